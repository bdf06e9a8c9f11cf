"""The complaint reviews on the web and as files: charts, HTML, CSV, JSON and PDF drawn from
one `Report` (dialogs.reports.model), the reports' sub-application, and their scheduled
delivery to the agents' Telegram group."""
