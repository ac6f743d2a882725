"""Full-text search over everything a member may read."""
