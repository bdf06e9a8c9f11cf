"""The admin studio at /admin: the configuration bundle's draft, checks, publish, versions and
rollback; try a message; the people who work the desk. Its own sub-application and guard."""
