"""A first end-to-end pass through offers and leases."""


def test_offer_claim_lease_cycle(owner, lessee, nodes):
    nodes.add('node-1', 'owner-project')
    offer = owner.post('/v1/offers', {'resource_uuid': 'node-1',
                                      'start_time': '2030-01-01',
                                      'end_time': '2030-02-01'}).json
    assert offer['status'] == 'available'
    lease = lessee.post('/v1/offers/%s/claim' % offer['uuid'],
                        {'start_time': '2030-01-05',
                         'end_time': '2030-01-06'}).json
    assert lease['project_id'] == 'lessee-project'
    assert lease['owner_id'] == 'owner-project'
    shown = owner.get('/v1/offers/%s' % offer['uuid']).json
    assert shown['availabilities'] == [
        ['2030-01-01T00:00:00', '2030-01-05T00:00:00'],
        ['2030-01-06T00:00:00', '2030-02-01T00:00:00']]
