import pytest
from sqlalchemy.orm import lazyload
from app.agreements import services
from tests.agreements import test_queries


@pytest.mark.parametrize("name", ["selectinload", "joinedload"])
def test_detects(app, make_partnership, count_queries, monkeypatch, name):
    monkeypatch.setattr(services, name, lazyload)
    with pytest.raises(AssertionError):
        test_queries.test_the_list_query_count_does_not_grow(app, make_partnership, count_queries, "/", {})


@pytest.mark.parametrize("name", ["joinedload"])
def test_detects_show(app, make_partnership, count_queries, monkeypatch, name):
    monkeypatch.setattr(services, name, lazyload)
    with pytest.raises(AssertionError):
        test_queries.test_the_agreement_pages_query_count_does_not_grow(app, make_partnership, count_queries, "/{n}")
