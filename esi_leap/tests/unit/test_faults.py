"""The one fault document and status line every refusal uses."""
import json

from esi_leap.common import faults


def test_client_and_server_faults():
    assert faults.fault(404, 'gone') == {
        'faultcode': 'Client', 'faultstring': 'gone', 'debuginfo': None}
    assert faults.fault(499, 'x')['faultcode'] == 'Client'
    assert faults.fault(500, 'x')['faultcode'] == 'Server'


def test_body_is_strict_ascii_json():
    body = faults.fault_body(400, 'caf\u00e9 \u202e "quoted"')
    body.decode('ascii')
    assert json.loads(body)['faultstring'] == 'caf\u00e9 \u202e "quoted"'


def test_status_lines():
    assert faults.status_line(405) == '405 Method Not Allowed'
    assert faults.status_line(431) == '431 Request Header Fields Too Large'
    assert faults.status_line(599) == '599 Error'
