"""Risk inventory (RIL): risks, reassessments, measures, heat map."""
