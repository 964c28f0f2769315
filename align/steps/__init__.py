"""Step runners, one module per step kind; ``align.steps.registry`` registers them (one entry per kind).

A runner takes the ``align.context.Context`` and its step's options and returns a ``StepResult``;
it never prints and never calls ``sh`` (only ``context.git``). Step modules never import the engine.
"""
