"""A strict stand-in for CuPy's array rules, for testing the GPU code path where no GPU exists.

Arrays of :data:`xp` live "on the device": numpy computes them, but the rules a CuPy program must keep
are enforced, so a slip that would only fail on a GPU fails here:

* no implicit conversion to a host array (``np.asarray(device_array)`` raises, as CuPy's
  ``Implicit conversion to a NumPy array is not allowed``); only ``xp.asnumpy`` transfers;
* no host array (of one or more dimensions) inside a device operation (CuPy raises ``TypeError``);
* numpy functions called on device arrays dispatch to the device namespace (``__array_function__``),
  as they do for CuPy arrays.

Host scalars, Python numbers and host index arrays are accepted, as CuPy accepts them.
"""

from __future__ import annotations

import types

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

TRANSFERS = {"to_device": 0, "to_host": 0}


class HostArrayInDeviceOperation(TypeError):
    """A host numpy array met a device array in one operation."""


def _unwrap(value, *, where: str):
    if isinstance(value, DeviceArray):
        return value.data
    if isinstance(value, np.ndarray) and value.ndim > 0:
        raise HostArrayInDeviceOperation(f"host array of shape {value.shape} in {where}")
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v, where=where) for v in value)
    return value


def _wrap(value):
    if isinstance(value, np.ndarray):
        return DeviceArray(value)
    if isinstance(value, np.generic) and not isinstance(value, np.dtype):  # CuPy gives 0-d arrays
        return DeviceArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _index(key):
    """Indices may be device arrays or host arrays (CuPy copies host index arrays to the device)."""
    if isinstance(key, tuple):
        return tuple(_index(k) for k in key)
    if isinstance(key, DeviceArray):
        return key.data
    return key


class DeviceArray(NDArrayOperatorsMixin):
    """A numpy array standing in for a CuPy array (see the module docstring)."""

    __slots__ = ("data",)

    def __init__(self, data: np.ndarray):
        self.data = data

    # the rules
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed (use xp.asnumpy)")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        args = [_unwrap(x, where=f"np.{ufunc.__name__}") for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(_unwrap(o, where="out=") for o in kwargs["out"])
        return _wrap(getattr(ufunc, method)(*args, **kwargs))

    def __array_function__(self, func, types_, args, kwargs):
        name = func.__name__
        return _wrap(func(*_unwrap(list(args), where=f"np.{name}"), **_unwrap_kw(kwargs, name)))

    # array protocol CuPy offers
    def __getitem__(self, key):
        return _wrap(self.data[_index(key)])

    def __setitem__(self, key, value):
        self.data[_index(key)] = _unwrap(value, where="item assignment")

    def __len__(self):
        return len(self.data)

    def __iter__(self):
        return (_wrap(v) for v in self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __bool__(self):
        return bool(self.data)

    def __repr__(self):
        return f"device({self.data!r})"

    def __getattr__(self, name):
        if name.startswith("__"):  # no __array_interface__ & co: numpy must not read device memory
            raise AttributeError(name)
        attr = getattr(self.data, name)
        if callable(attr):
            return lambda *a, **k: _wrap(attr(*_unwrap(list(a), where=f".{name}()"), **_unwrap_kw(k, name)))
        return _wrap(attr) if isinstance(attr, np.ndarray) else attr

    @property
    def T(self):
        return DeviceArray(self.data.T)

    def get(self):
        return asnumpy(self)


def _unwrap_kw(kwargs, name):
    return {k: _unwrap(v, where=f"{name}({k}=)") for k, v in kwargs.items()}


def asarray(value, dtype=None):
    if isinstance(value, DeviceArray):
        return value if dtype is None else DeviceArray(value.data.astype(dtype))
    TRANSFERS["to_device"] += 1
    return DeviceArray(np.array(value, dtype=dtype))


def asnumpy(value):
    if isinstance(value, DeviceArray):
        TRANSFERS["to_host"] += 1
        return value.data.copy()
    return np.asarray(value)


def _device_function(func):
    def call(*args, **kwargs):
        return _wrap(func(*_unwrap(list(args), where=func.__name__), **_unwrap_kw(kwargs, func.__name__)))

    call.__name__ = func.__name__
    return call


class _Namespace(types.ModuleType):
    """``xp``: numpy's names, each taking and returning device arrays."""

    def __getattr__(self, name):
        value = getattr(np, name)
        if callable(value) and not isinstance(value, type):
            fn = _device_function(value)
            setattr(self, name, fn)
            return fn
        return value  # dtypes, constants


xp = _Namespace("device_xp")
xp.asarray = asarray
xp.array = asarray
xp.asnumpy = asnumpy
xp.ndarray = DeviceArray
xp.linalg = types.SimpleNamespace(
    inv=_device_function(np.linalg.inv),
    solve=_device_function(np.linalg.solve),
    slogdet=_device_function(np.linalg.slogdet),
)
