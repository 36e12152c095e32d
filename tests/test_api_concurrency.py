"""Optimistic concurrency: single-object reads carry a strong ETag, and PUT and DELETE with
If-Match change nothing (412) unless the object is still as the client last saw it."""

from __future__ import annotations

from tests.conftest import ApiClient
from tests.test_api_errors import assert_error

SAM = {"name": "Sam"}


def etag(api: ApiClient, path: str) -> str:
    response = api.get(path)
    assert response.status_code == 200
    tag = response.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"')  # strong: no W/ prefix
    return tag


def test_reads_and_writes_carry_the_same_strong_etag(api: ApiClient) -> None:
    created = api.put("/staff/s1", SAM)
    assert created.status_code == 201
    assert created.headers["etag"] == etag(api, "/staff/s1")
    assert api.put("/staff/s1", SAM).headers["etag"] == created.headers["etag"]
    renamed = api.put("/staff/s1", {"name": "Samantha"})
    assert renamed.headers["etag"] != created.headers["etag"]
    assert renamed.headers["etag"] == etag(api, "/staff/s1")


def test_put_with_the_current_etag_applies_and_answers_the_new_one(api: ApiClient) -> None:
    tag = api.put("/staff/s1", SAM).headers["etag"]
    response = api.put("/staff/s1", {"name": "Sue"}, headers={"If-Match": f'"other", {tag}'})
    assert response.status_code == 200
    assert response.json()["name"] == "Sue"
    assert response.headers["etag"] == etag(api, "/staff/s1") != tag


def test_put_with_a_stale_etag_is_a_412_and_changes_nothing(api: ApiClient) -> None:
    stale = api.put("/staff/s1", SAM).headers["etag"]
    api.put("/staff/s1", {"name": "Sue"})
    version = api.data_version()
    for if_match in (stale, f"W/{etag(api, '/staff/s1')}", "garbage", ""):
        response = api.put("/staff/s1", {"name": "Eve"}, headers={"If-Match": if_match})
        assert_error(response, 412, None)
    assert api.get("/staff/s1").json()["name"] == "Sue"
    assert api.data_version() == version


def test_if_match_star_needs_the_object_to_exist(api: ApiClient) -> None:
    version = api.data_version()
    assert_error(api.put("/staff/s1", SAM, headers={"If-Match": "*"}), 412, None)
    assert api.get("/staff/s1").status_code == 404
    assert api.data_version() == version
    api.put("/staff/s1", SAM)
    assert api.put("/staff/s1", {"name": "Sue"}, headers={"If-Match": "*"}).status_code == 200


def test_delete_honours_if_match(api: ApiClient) -> None:
    stale = api.put("/staff/s1", SAM).headers["etag"]
    current = api.put("/staff/s1", {"name": "Sue"}).headers["etag"]
    response = api.request("DELETE", "/staff/s1", headers={"If-Match": stale})
    assert_error(response, 412, None)
    assert api.get("/staff/s1").json()["name"] == "Sue"
    assert api.request("DELETE", "/staff/s1", headers={"If-Match": current}).status_code == 204
    assert api.get("/staff/s1").status_code == 404
    assert_error(api.request("DELETE", "/staff/s1", headers={"If-Match": "*"}), 412, None)


def test_the_account_carries_an_etag_that_moves_with_it(api: ApiClient) -> None:
    before = etag(api, "/account")
    assert etag(api, "/account") == before
    api.patch("/account", {"name": "Renamed"})
    assert etag(api, "/account") != before
