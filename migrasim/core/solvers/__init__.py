"""The flow-level solvers that move one component's flows forward in time (pure arithmetic).

* :mod:`.component` - a component's link instances, paths over time and down time for one run,
  and the mutable :class:`~.component.State` the solvers advance;
* :mod:`.curve` - a flow alone on one link, solved on the link's cumulative capacity curve;
* :mod:`.events` - the event stepper: max-min fair rates held constant between events;
* :mod:`.weeks` - whole identical weeks simulated once, cached and jumped over.

The SimPy driver in :mod:`migrasim.core.engine` decides when each component advances.
"""
