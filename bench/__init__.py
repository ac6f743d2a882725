"""The load benchmark (run.py) and its data generator (scale.py, `flask seed scale`)."""
