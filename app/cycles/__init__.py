"""Evaluation cycles: indicators, measurements, a self-composing summary, board decisions."""
