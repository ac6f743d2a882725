"""The demo manifests: adopted versions, some endorsements, one open proposal, idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.manifest import services
from app.manifest.models import OPEN, ChangeProposal, ManifestVersion
from app.partnerships.models import Partnership
from app.seeds import load_demo
from tests.manifest.helpers import manifest_state

SLUGS = ("eemland-bsa", "noordoost-brabant")


def test_demo_manifests_and_a_second_load_changes_nothing(demo_database, ctx):
    # The demo as loaded once per process (demo_database); a second load must change nothing.
    for slug in SLUGS:
        partnership = db.session.execute(
            select(Partnership).where(Partnership.slug == slug)
        ).scalar_one()
        current = services.current_version(partnership.id)
        assert current is not None, slug
        assert current.texts and current.adoption_note and current.adopted_at, slug
        assert services.draft_version(partnership.id) is None, slug
        # One open proposal typed in the manifest; Eemland's demo reviews add one more,
        # made from a 3rd-order lesson (origin "lesson").
        open_proposals = db.session.execute(
            select(func.count(ChangeProposal.id)).where(
                ChangeProposal.partnership_id == partnership.id,
                ChangeProposal.status == OPEN,
                ChangeProposal.origin_type.is_(None),
            )
        ).scalar_one()
        assert open_proposals == 1, slug
        rows = services.endorsement_status(current)
        endorsed = sum(1 for row in rows if row.endorsement)
        assert 0 < endorsed < len(rows), (slug, endorsed, len(rows))
        assert all(row.endorsement.user.name for row in rows if row.endorsement)
        positions = [t.position for t in services.texts_of(current)]
        assert positions == list(range(1, len(positions) + 1)), slug

    eemland = db.session.execute(
        select(Partnership).where(Partnership.slug == "eemland-bsa")
    ).scalar_one()
    assert [v.number for v in services.all_versions(eemland.id)] == [2, 1]
    assert services.current_version(eemland.id).number == 2
    first, second = (
        services.version_by_number(eemland.id, 1),
        services.version_by_number(eemland.id, 2),
    )
    assert {row.change for row in services.compare(first, second)} - {"unchanged"}

    ids = [
        p.id for p in db.session.execute(select(Partnership).order_by(Partnership.slug)).scalars()
    ]
    before = [manifest_state(pid) for pid in ids]
    versions = db.session.execute(select(func.count(ManifestVersion.id))).scalar_one()

    assert load_demo() == 0

    assert [manifest_state(pid) for pid in ids] == before
    assert db.session.execute(select(func.count(ManifestVersion.id))).scalar_one() == versions
