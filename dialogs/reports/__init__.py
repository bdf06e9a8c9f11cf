"""The complaint reviews' vocabulary: periods in the service's time zone, what each number
means, and the shape of a report. Pure Python: storage fills a report, handlers draw it."""
