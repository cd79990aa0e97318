"""EIS Fitting Studio: import spectra, check them (Kramers–Kronig), fit circuits, DRT, multi-spectrum fits,
and hand fitted values to a simulation. All computing happens in ``voltvault_core.eis``."""

import numpy as np
import pandas as pd
import streamlit as st

from voltvault_core.auth.permissions import PermissionDenied
from voltvault_core.eis import service
from voltvault_core.eis.builder import BUILD_MODES, add_element, remove_last_element
from voltvault_core.eis.circuit import Circuit, CircuitSyntaxError
from voltvault_core.eis.drt import compute_drt
from voltvault_core.eis.elements import ELEMENTS
from voltvault_core.eis.fitting import WEIGHTINGS, fit_circuit
from voltvault_core.eis.kk import linear_kk
from voltvault_core.eis.library import CIRCUIT_LIBRARY
from voltvault_core.eis.link import ELECTRODES, design_parameters_from_fit
from voltvault_core.eis.multi import fit_multi
from voltvault_core.eis.plots import (
    bode_figure,
    drt_figure,
    kk_figure,
    multi_parameter_figure,
    nyquist_figure,
    residual_figure,
)
from voltvault_core.eis.readers import READERS
from voltvault_core.eis.spectrum import EISFileError
from voltvault_core.ui import page_setup, show_error

ctx = page_setup("EIS", ":material/blur_circular:")


def _g4(df: pd.DataFrame) -> dict:
    """Four significant digits for every numeric column (values span ohms to 1e-14 m2/s)."""
    return {
        c: st.column_config.NumberColumn(format="%.4g")
        for c in df.columns
        if pd.api.types.is_float_dtype(df[c])
    }


project = ctx.require_project()
st.title("EIS Fitting Studio")
st.caption(f"Project: {project.name}")

# ---------------------------------------------------------------------------------------- import
if ctx.can_write:
    with st.expander("Import impedance file", expanded=False):
        extensions = sorted({e.lstrip(".") for spec in READERS.values() for e in spec.extensions})
        upload = st.file_uploader("Spectrum file", type=extensions, key="eis.upload")
        cell_label = st.text_input("Cell id", key="eis.cell_label")
        st.caption("Formats: " + "; ".join(spec.description for spec in READERS.values()))
        if st.button("Import", key="eis.import", disabled=upload is None):
            try:
                with ctx.session() as session:
                    rows = service.import_measurements(
                        session,
                        ctx.user,
                        project.id,
                        data=upload.getvalue(),
                        filename=upload.name,
                        cell_id_label=cell_label,
                    )
                    st.session_state["eis.measurement"] = rows[0].id
                st.success(f"Imported {len(rows)} spectrum(s) from {upload.name}.")
            except (EISFileError, PermissionDenied) as exc:
                st.error(str(exc))

with ctx.session() as session:
    measurements = {m.id: m for m in service.list_measurements(session, ctx.user, project.id)}
if not measurements:
    st.info("No impedance spectra in this project yet. Import a file above (editors) to start.")
    st.stop()

ids = list(measurements)
if st.session_state.get("eis.measurement") not in ids:
    st.session_state["eis.measurement"] = ids[0]
measurement_id = st.selectbox(
    "Spectrum",
    ids,
    format_func=lambda i: (
        f"{measurements[i].name} · {measurements[i].n_points} pts · {measurements[i].source_format}"
    ),
    key="eis.measurement",
)
with ctx.session() as session:
    spectrum = service.load_spectrum(session, ctx.user, measurement_id)
conditions = {
    k: v
    for k, v in spectrum.metadata.items()
    if k in ("cycle", "sweep", "temperature_K", "potential_V", "soc")
}
if conditions:
    st.caption(
        " · ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in conditions.items())
    )

fit_tab, drt_tab, kk_tab, multi_tab, link_tab = st.tabs(
    ["Fit", "DRT", "Kramers–Kronig", "Multi-spectrum", "Link to simulation"]
)

# ------------------------------------------------------------------------------------------- fit
with ctx.session() as session:
    saved = service.list_fits(session, ctx.user, measurement_id)
if st.session_state.get("eis.circuit_for") != measurement_id:
    # a spectrum opened again starts from its latest saved fit's circuit
    st.session_state["eis.circuit_for"] = measurement_id
    if saved:
        st.session_state["eis.circuit"] = saved[0].circuit

with fit_tab:
    plots, controls = st.columns([3, 2])
    with controls:
        st.markdown("**Circuit**")
        library_keys = ["custom", *CIRCUIT_LIBRARY]
        choice = st.selectbox(
            "Library",
            library_keys,
            format_func=lambda k: (
                "— custom —" if k == "custom" else f"{CIRCUIT_LIBRARY[k].title}: {CIRCUIT_LIBRARY[k].circuit}"
            ),
            key="eis.library",
        )
        if "eis.circuit" not in st.session_state:
            st.session_state["eis.circuit"] = CIRCUIT_LIBRARY["randles_warburg"].circuit
        if choice != "custom" and st.session_state.get("eis.library_applied") != choice:
            st.session_state["eis.circuit"] = CIRCUIT_LIBRARY[choice].circuit
            st.session_state["eis.library_applied"] = choice
        b1, b2, b3 = st.columns([2, 3, 2])
        element = b1.selectbox("Element", sorted(ELEMENTS), key="eis.builder.element")
        mode = b2.selectbox("Add", list(BUILD_MODES), format_func=BUILD_MODES.get, key="eis.builder.mode")
        if b3.button("Add", key="eis.builder.add"):
            try:
                st.session_state["eis.circuit"] = add_element(st.session_state["eis.circuit"], element, mode)
            except (ValueError, CircuitSyntaxError) as exc:
                st.error(str(exc))
        if st.button("Remove last element", key="eis.builder.remove"):
            try:
                st.session_state["eis.circuit"] = remove_last_element(st.session_state["eis.circuit"])
            except CircuitSyntaxError as exc:
                st.error(str(exc))
        circuit_text = st.text_input(
            "Circuit string", key="eis.circuit", help="impedance.py grammar: R0-p(R1,CPE1)-W1"
        )
        try:
            circuit = Circuit(circuit_text)
        except CircuitSyntaxError as exc:
            st.error(str(exc))
            st.stop()
        with st.popover("Elements and formulas"):
            for spec in ELEMENTS.values():
                st.markdown(
                    f"**{spec.symbol}** · {spec.title} · "
                    + ", ".join(f"{p.name} [{p.unit or '-'}]" for p in spec.parameters)
                )
                st.latex(spec.formula)

        st.markdown("**Fit**")
        c1, c2 = st.columns(2)
        method = c1.selectbox(
            "Method",
            ["lm", "de"],
            format_func={"lm": "Levenberg–Marquardt", "de": "Differential evolution"}.get,
            key="eis.method",
        )
        weighting = c2.selectbox("Weighting", list(WEIGHTINGS), key="eis.weighting")
        capacitive_only = st.checkbox("Fit only points with Z'' < 0", value=True, key="eis.capacitive_only")
        kk_check = linear_kk(spectrum, threshold=st.session_state.get("eis.kk.threshold", 1.0) / 100)
        exclude_kk = st.checkbox(
            f"Exclude the {int(kk_check.flagged.sum())} points flagged by the Kramers–Kronig check",
            value=False,
            key="eis.exclude_kk",
            disabled=kk_check.valid,
            help="Linear KK test (see its tab); flagged points violate causality, linearity or stability.",
        )
        f_lo, f_hi = float(spectrum.frequency_Hz.min()), float(spectrum.frequency_Hz.max())
        r1, r2 = st.columns(2)
        f_min = r1.number_input(
            "Min frequency [Hz]", value=f_lo, min_value=0.0, format="%.4g", key=f"eis.fmin.{measurement_id}"
        )
        f_max = r2.number_input(
            "Max frequency [Hz]", value=f_hi, min_value=0.0, format="%.4g", key=f"eis.fmax.{measurement_id}"
        )
        table_key = f"eis.params.{circuit.text}"
        editor = st.data_editor(
            pd.DataFrame(
                {
                    "parameter": circuit.parameter_names,
                    "unit": [p.unit for p in circuit.parameters],
                    "fix": False,
                    "value": np.nan,
                    "lower": [p.spec.lower for p in circuit.parameters],
                    "upper": [p.spec.upper for p in circuit.parameters],
                }
            ),
            disabled=["parameter", "unit"],
            hide_index=True,
            key=table_key,
            column_config={
                "value": st.column_config.NumberColumn("value (start or fixed)", format="%.4g"),
                "lower": st.column_config.NumberColumn("lower bound", format="%.4g"),
                "upper": st.column_config.NumberColumn("upper bound", format="%.4g"),
            },
        )
        run = st.button("Fit", type="primary", key="eis.fit")

    window = (spectrum.frequency_Hz >= min(f_min, f_max)) & (spectrum.frequency_Hz <= max(f_min, f_max))
    if capacitive_only:
        window &= spectrum.z_imag_ohm < 0
    if exclude_kk:
        window &= ~kk_check.flagged
    if run and not window.any():
        st.error("No point is left in the chosen frequency range with these settings; widen the range.")
        run = False
    if run:
        used = spectrum.select(window)
        fixed = {r.parameter: float(r.value) for r in editor.itertuples() if r.fix and np.isfinite(r.value)}
        guess = {
            r.parameter: float(r.value) for r in editor.itertuples() if not r.fix and np.isfinite(r.value)
        }
        defaults = {p.name: (p.spec.lower, p.spec.upper) for p in circuit.parameters}
        bounds = {}
        for r in editor.itertuples():
            low, high = defaults[r.parameter]
            low = low if pd.isna(r.lower) else float(r.lower)  # a cleared cell means the default
            high = high if pd.isna(r.upper) else float(r.upper)
            if (low, high) != defaults[r.parameter] and not r.fix:
                bounds[r.parameter] = (low, high)
        try:
            if method == "de" and ctx.user is not None:
                # a global search takes seconds: a worker process runs it, the page waits
                from voltvault_core.jobs import JobError
                from voltvault_core.ui import get_job_runner

                runner = get_job_runner()
                job_id = runner.submit(
                    "voltvault_core.eis.jobs:fit_spectrum_job",
                    {
                        "spectrum_npz": used.to_npz_bytes(),
                        "label": used.label,
                        "circuit": circuit.text,
                        "method": method,
                        "weighting": weighting,
                        "fixed": fixed,
                        "bounds": bounds,
                        "initial_guess": guess or None,
                    },
                    kind="eis-fit",
                    project_id=project.id,
                    user_id=ctx.user.id,
                )
                with st.spinner("Differential evolution running in a worker ..."):
                    try:
                        st.session_state["eis.fit_result"] = runner.result(job_id, timeout=600)
                    except JobError as exc:
                        raise ValueError(f"the fit job failed: {exc}") from exc
            else:
                with st.spinner("Fitting ..."):
                    st.session_state["eis.fit_result"] = fit_circuit(
                        used,
                        circuit,
                        method=method,
                        weighting=weighting,
                        fixed=fixed,
                        initial_guess=guess or None,
                    )
            st.session_state["eis.fit_for"] = measurement_id
        except ValueError as exc:
            st.error(str(exc))
    fit = st.session_state.get("eis.fit_result")
    if fit is not None and (
        st.session_state.get("eis.fit_for") != measurement_id or fit.circuit != circuit.text
    ):
        fit = None
    saved_shown = None
    if fit is None and saved and saved[0].circuit == circuit.text:
        with ctx.session() as session:
            fit = service.load_fit(session, ctx.user, saved[0].id, spectrum)
        saved_shown = saved[0]

    with plots:
        st.plotly_chart(nyquist_figure(spectrum, fit), key="eis.plot.nyquist")
        st.plotly_chart(bode_figure(spectrum, fit), key="eis.plot.bode")
        if fit is not None:
            st.plotly_chart(residual_figure(fit), key="eis.plot.residuals")
    with controls:
        if saved_shown is not None:
            st.caption(
                f"Saved fit of {saved_shown.created_at:%Y-%m-%d %H:%M} UTC ({saved_shown.algorithm}); press Fit to refit."
            )
        if fit is not None:
            st.markdown(
                f"RMSE **{fit.rmse_ohm:.4g} Ω** (NRMSE {100 * fit.nrmse:.2f} %) · χ² {fit.chi_square:.4g} · "
                f"reduced χ² {fit.reduced_chi_square:.3g} · {fit.n_points} points · {1e3 * fit.wall_time_s:.0f} ms"
            )
            table = pd.DataFrame(
                {
                    "parameter": fit.parameter_names,
                    "value": [fit.parameters[n] for n in fit.parameter_names],
                    "std. error": [fit.stderr[n] for n in fit.parameter_names],
                    "95 % low": [fit.ci95[n][0] for n in fit.parameter_names],
                    "95 % high": [fit.ci95[n][1] for n in fit.parameter_names],
                    "unit": [fit.units[n] for n in fit.parameter_names],
                    "start": [fit.initial_guess[n] for n in fit.parameter_names],
                }
            )
            st.dataframe(table, hide_index=True, key="eis.fit_table", column_config=_g4(table))
            if fit.message and "identifiable" in fit.message:
                st.warning(
                    "Some parameters are not identifiable from these data (their errors show as empty)."
                )
            with st.expander("Correlation matrix"):
                st.dataframe(
                    pd.DataFrame(
                        fit.correlation, index=fit.free_parameters, columns=fit.free_parameters
                    ).round(3),
                    key="eis.correlation",
                )
            if ctx.can_write and saved_shown is None and st.button("Save fit", key="eis.save_fit"):
                try:
                    with ctx.session() as session:
                        service.save_fit(session, ctx.user, measurement_id, fit)
                    st.success("Fit saved.")
                except PermissionDenied as exc:
                    st.error(str(exc))
        if saved:
            with st.expander(f"Saved fits ({len(saved)})"):
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                "saved": f.created_at,
                                "circuit": f.circuit,
                                "algorithm": f.algorithm,
                                "rmse_ohm": (f.fit_quality or {}).get("rmse_ohm"),
                                "weighting": (f.fit_quality or {}).get("weighting"),
                            }
                            for f in saved
                        ]
                    ),
                    hide_index=True,
                    key="eis.saved_fits",
                )

# ------------------------------------------------------------------------------------------- DRT
with drt_tab:
    d1, d2 = st.columns([1, 3])
    rule = d1.radio(
        "Regularisation",
        ["gcv", "lcurve", "manual"],
        format_func={"gcv": "automatic (GCV)", "lcurve": "automatic (L-curve)", "manual": "manual"}.get,
        key="eis.drt.rule",
    )
    log_lambda = d1.slider(
        "log10 λ (manual)", -12.0, 2.0, -4.0, 0.25, key="eis.drt.log_lambda", disabled=rule != "manual"
    )
    decades = (float(np.floor(np.log10(spectrum.frequency_Hz.min()) * 4) / 4),
               float(np.ceil(np.log10(spectrum.frequency_Hz.max()) * 4) / 4))
    log_range = d1.slider("Frequency range, log10 f [Hz]", decades[0], decades[1], decades, 0.25,
                          key=f"eis.drt.log_range.{decades}",
                          help="Fit only the points in this range (drop noisy ends, or the tail by hand).")
    tail = d1.radio("Low-frequency diffusion tail", ["exclude", "keep"], key="eis.drt.tail",
                    format_func={"exclude": "exclude it (finite relaxations only)", "keep": "fit it"}.get,
                    help="A Warburg tail is no finite relaxation: fitted, it puts a peak and resistance beyond "
                         "the measured band.")
    try:
        drt = compute_drt(spectrum, lambda_value=10**log_lambda if rule == "manual" else rule,
                          frequency_range_Hz=(10 ** log_range[0], 10 ** log_range[1]), tail=tail)
        d1.metric("λ used", f"{drt.lambda_value:.3g}", help=f"chosen by {drt.lambda_rule}")
        d1.markdown(
            f"R∞ = {drt.r_inf_ohm:.4g} Ω  \nR_pol = {drt.polarization_resistance_ohm:.4g} Ω (measured band)  \n"
            f"RMSE {drt.rmse_ohm:.3g} Ω"
        )
        if drt.excluded_below_Hz is not None:
            d1.caption(f"Tail below {drt.excluded_below_Hz:.3g} Hz excluded from the fit.")
        for warning in drt.warnings:
            d2.warning(warning)
        d2.plotly_chart(drt_figure(drt), key="eis.plot.drt")
        if drt.peaks:
            peaks = pd.DataFrame(
                [
                    {"τ [s]": p.time_constant_s, "f [Hz]": p.frequency_Hz, "R [Ω]": p.resistance_ohm}
                    for p in drt.peaks
                ]
            )
            d2.dataframe(peaks, hide_index=True, key="eis.drt.peaks", column_config=_g4(peaks))
    except ValueError as exc:
        st.error(str(exc))

# ------------------------------------------------------------------------------------------- KK
with kk_tab:
    threshold = st.slider("Flag points with residual above [%]", 0.1, 10.0, 1.0, 0.1, key="eis.kk.threshold")
    kk = linear_kk(spectrum, threshold=threshold / 100)
    if kk.valid:
        st.success(
            f"Kramers–Kronig consistent: all residuals within {threshold:.1f} % (M = {kk.n_elements}, μ = {kk.mu:.2f})."
        )
    else:
        flagged_f = ", ".join(f"{f:.3g}" for f in kk.frequency_Hz[kk.flagged])
        st.warning(
            f"{int(kk.flagged.sum())} of {spectrum.n_points} points exceed {threshold:.1f} %: {flagged_f} Hz. Consider excluding them (frequency range in the Fit tab)."
        )
    k1, k2 = st.columns(2)
    k1.plotly_chart(kk_figure(kk), key="eis.plot.kk")
    k2.plotly_chart(nyquist_figure(spectrum, flagged=kk.flagged), key="eis.plot.kk_nyquist")

# ------------------------------------------------------------------------------------ multi-spectrum
with multi_tab:
    chosen = st.multiselect(
        "Spectra to fit together",
        ids,
        default=[
            i for i in ids if measurements[i].cell_id_label == measurements[measurement_id].cell_id_label
        ][:6],
        format_func=lambda i: measurements[i].name,
        key="eis.multi.measurements",
    )
    shared = st.multiselect(
        "Shared parameters (the others are fitted per spectrum)",
        circuit.parameter_names,
        key="eis.multi.shared",
    )
    condition_keys = sorted(
        {
            k
            for i in chosen
            for k in (measurements[i].conditions or {})
            if k in ("cycle", "sweep", "temperature_K", "potential_V", "soc", "charge_from_start_Ah")
        }
    )
    condition = st.selectbox("Plot against", condition_keys or ["index"], key="eis.multi.condition")
    if st.button("Fit together", key="eis.multi.run", disabled=len(chosen) < 2):
        with ctx.session() as session:
            spectra = [service.load_spectrum(session, ctx.user, i) for i in chosen]
        spectra = [s.capacitive_only() for s in spectra] if capacitive_only else spectra
        try:
            with st.spinner("Fitting all spectra ..."):
                st.session_state["eis.multi.result"] = fit_multi(
                    spectra, circuit, shared, weighting=weighting
                )
        except ValueError as exc:
            st.error(str(exc))
    multi = st.session_state.get("eis.multi.result")
    if multi is not None and multi.circuit == circuit.text:
        st.caption(
            f"χ² {multi.chi_square:.4g} · RMSE per spectrum "
            + ", ".join(f"{r:.3g}" for r in multi.rmse_ohm)
            + " Ω"
        )
        joint = pd.DataFrame(multi.parameters, index=multi.labels).T
        st.dataframe(
            joint.assign(shared=joint.index.isin(multi.shared)),
            key="eis.multi.table",
            column_config=_g4(joint),
        )
        if multi.independent:
            st.plotly_chart(multi_parameter_figure(multi, condition), key="eis.plot.multi")
    elif len(chosen) < 2:
        st.info("Choose two spectra or more (e.g. one per SOC, temperature or cycle).")

# -------------------------------------------------------------------------------- link to simulation
with link_tab:
    # the fit shown in the Fit tab (fresh, or the latest saved one)
    if fit is None:
        st.info("Fit a circuit in the Fit tab first; its values convert to design parameters here.")
        st.stop()
    from voltvault_core.simulation import service as sim_service
    from voltvault_core.simulation import available_parameter_sets

    with ctx.session() as session:
        designs = {
            f"design:{d.id}": d.name for d in sim_service.list_cell_designs(session, ctx.user, project.id)
        }
    sources = {**designs, **{name: f"parameter set {name}" for name in available_parameter_sets()}}
    l1, l2 = st.columns(2)
    source = l1.selectbox("Cell design", list(sources), format_func=sources.get, key="eis.link.design")
    electrode = l2.selectbox("Electrode these elements describe", list(ELECTRODES), key="eis.link.electrode")
    options = ["—", *fit.parameter_names]
    roles = next((c.roles for c in CIRCUIT_LIBRARY.values() if c.circuit == fit.circuit), {})

    def _role(label: str, role: str, key: str) -> str | None:
        default = roles.get(role, "—")
        picked = st.selectbox(
            label, options, index=options.index(default) if default in options else 0, key=key
        )
        return None if picked == "—" else picked

    m1, m2, m3, m4 = st.columns(4)
    with m1:
        r_ct = _role("R_ct", "r_ct", "eis.link.r_ct")
    with m2:
        warburg = _role("Warburg σ (W)", "warburg", "eis.link.warburg")
    with m3:
        tau = _role("Diffusion τ (Wo/Ws)", "diffusion_time", "eis.link.tau")
    with m4:
        r_sei = _role("R_SEI", "r_sei", "eis.link.r_sei")
    temperature_C = st.number_input(
        "Measurement temperature [°C]",
        value=round(float(spectrum.metadata.get("temperature_K", 298.15)) - 273.15, 2),
        key=f"eis.link.temperature_C.{measurement_id}",
    )
    try:
        with ctx.session() as session:
            parameters = (
                sim_service.design_parameter_set(session, ctx.user, int(source.split(":")[1]))
                if source.startswith("design:")
                else source
            )
        from voltvault_core.simulation import resolve_parameter_set

        link = design_parameters_from_fit(
            fit.parameters,
            resolve_parameter_set(parameters),
            electrode=electrode,
            r_ct=r_ct,
            warburg=warburg,
            diffusion_time=tau,
            r_sei=r_sei,
            temperature_K=temperature_C + 273.15,
        )
    except (KeyError, ValueError, TypeError) as exc:
        st.error(str(exc))
        st.stop()
    for line in link.explanations:
        st.markdown(f"- {line}")
    for refusal in link.refused:
        st.error(f"Refused: {refusal}")
    if link.changes:
        changes = pd.DataFrame({"parameter": list(link.changes), "value": list(link.changes.values())})
        st.dataframe(changes, hide_index=True, key="eis.link.changes", column_config=_g4(changes))
    if ctx.can_write and link.changes:
        experiment = st.text_input(
            "Experiment", value="Discharge at 1C until 2.5 V", key="eis.link.experiment"
        )
        model = st.selectbox("Model", ["spm", "spme", "dfn"], key="eis.link.model")
        if st.button("Start simulation with these values", key="eis.link.simulate"):
            try:
                from voltvault_core.ui import get_job_runner

                inputs = sim_service.make_inputs(
                    model, parameters, experiment, parameter_updates=link.changes
                )
                with ctx.session() as session:
                    row = sim_service.submit_simulation(
                        session,
                        ctx.user,
                        project.id,
                        inputs=inputs,
                        runner=get_job_runner(),
                        name=f"EIS link: {fit.circuit}",
                    )
                    st.success(f"Simulation {row.id} queued; follow it on the Simulation page.")
            except Exception as exc:  # the simulation service reports protocol/model errors as its own types
                show_error(exc, "Starting the simulation")
