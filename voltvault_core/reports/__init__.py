"""Reports (brief F12): PDF and PowerPoint reports from templates, publication figures, batch reports.

``service`` builds a :class:`~voltvault_core.reports.model.Report` from the database, ``pdf`` and ``pptx``
render it, ``figures`` draws the figures (matplotlib), ``comparison`` compares runs with each other and with
measurements, ``jobs`` renders batches in a worker, ``cli`` is ``voltvault report``.
"""
