"""The matplotlib charts, one module per chart (the only package that imports matplotlib).

Every function takes pandas DataFrames or records and returns a
:class:`matplotlib.figure.Figure` on its own Agg canvas, built without pyplot, so no global
state is touched; the caller saves it (``fig.savefig(path, dpi=150)``). No file I/O here.
``style`` holds the shared look; :mod:`migrasim.render.plots` gathers the public names.
"""
