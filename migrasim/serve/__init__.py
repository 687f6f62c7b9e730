"""``migrasim serve``: a local what-if page and its JSON API (application layer).

:mod:`.levers` finds the scenario's levers, :mod:`.session` evaluates changes through the
library (load -> run_scenario -> summarise) and writes variants and board packs, :mod:`.view`
turns a run's records into the API's JSON, :mod:`.web` is the Starlette application.
"""
