export DATABASE_URL=postgres://postgres@127.0.0.1:5432/sunshine_journeys REDIS_URL=redis://127.0.0.1:6379/7 CHANNEL_PREFIX=journeys SUNSHINE_VAR_DIR=/work/wt/journeys/var
