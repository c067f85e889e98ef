"""SQL expressions shared by the DB modules."""
import sqlalchemy as sa


def overlaps(model, start, end):
    """Half-open overlap of the row's [start_time, end_time) with a window."""
    return sa.and_(model.start_time < end, model.end_time > start)
