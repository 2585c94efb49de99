"""The monitor of issue 5: observations derived from the store, and the domain metrics exposed from them.

norms (pure date and norm arithmetic), model (observation values), registry (how observers, wait sources,
sample sources and event kinds plug in), ijw (the iJw observers), processor (an event in, observations stored),
contract (the metric families), collector (the Prometheus collector that reads the store at scrape time).
"""
