"""Writes of online land, mining-right and state-property sales, split by sub-domain."""

from .bidders import application_review, application_submit, bidding_right_ensure
from .bidding import BidCommand, command_apply, command_check, commands_apply, lot_advance, lots_sweep, quote_place
from .log import event_append, events_append, lot_lock
from .results import approval_decide, deal_confirm, deal_refuse
from .sales import is_host, notice_publish, reserve_enter, sale_create, sale_resume, sale_suspend

__all__ = [
    "approval_decide", "deal_confirm", "deal_refuse",
    "application_review", "application_submit", "bidding_right_ensure",
    "BidCommand", "command_apply", "command_check", "commands_apply", "event_append", "events_append", "is_host",
    "lot_advance", "lot_lock", "lots_sweep", "notice_publish",
    "quote_place", "reserve_enter", "sale_create", "sale_resume", "sale_suspend",
]
