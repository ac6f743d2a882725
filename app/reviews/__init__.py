"""Case and quality reviews: anonymised cases, principle scores, lessons, privacy guard."""
