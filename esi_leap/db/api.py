"""The esi-leap database interface.

Everything outside ``esi_leap.db`` reaches the database through the names
below; their docstrings (in ``esi_leap.db.sqlalchemy.api``) say what each
promises. Rows are returned as model instances detached from any session.
"""
from esi_leap.db.sqlalchemy import api as _impl
from esi_leap.db.sqlalchemy import console_tokens as _console_tokens
from esi_leap.db.sqlalchemy import notices as _notices

get_engine = _impl.get_engine
reset = _impl.reset
reader = _impl.reader
writer = _impl.writer

offer_get = _impl.offer_get
offers_by_name = _impl.offers_by_name
offer_list = _impl.offer_list
lease_get = _impl.lease_get
leases_by_name = _impl.leases_by_name
lease_list = _impl.lease_list
lease_windows_by_offer = _impl.lease_windows_by_offer
held_leases = _impl.held_leases

resource_transaction = _impl.resource_transaction
run_booking = _impl.run_booking

due_resources = _impl.due_resources
next_due = _impl.next_due
ended_offers = _impl.ended_offers
held_resources = _impl.held_resources
claim_resource = _impl.claim_resource
release_resource = _impl.release_resource
event_list = _impl.event_list
node_bookings = _impl.node_bookings

token_create = _console_tokens.token_create
token_consume = _console_tokens.token_consume
token_get = _console_tokens.token_get
token_delete = _console_tokens.token_delete
tokens_delete_node = _console_tokens.tokens_delete_node
tokens_still_valid = _console_tokens.tokens_still_valid
tokens_purge_expired = _console_tokens.tokens_purge_expired

insert_notice = _notices.insert_notice
delete_notice = _notices.delete_notice
leases_to_warn = _notices.leases_to_warn
next_warning_end = _notices.next_warning_end
due_notices = _notices.due_notices
next_notice_attempt = _notices.next_notice_attempt
claim_notice = _notices.claim_notice
finish_notice = _notices.finish_notice
notices_of = _notices.notices_of
