from .workdays import calendar_load_shipped, shipped_calendar_years


def seed(*, stdout) -> None:
    for year in shipped_calendar_years():
        calendar_load_shipped(year=year)
    stdout.write(f"calendar: {', '.join(map(str, shipped_calendar_years()))} loaded")
