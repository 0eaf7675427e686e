"""arq worker: the cron table and background jobs."""
