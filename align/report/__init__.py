"""Reports of a run: renderers turn a run's journal into text."""
