"""A token fetched before local mode restarted still works; one it can no longer check says how to get a new one."""

from __future__ import annotations

import pytest

from mailgate.local.cognito import InvalidToken, LocalCognito, TokenVerifier


def test_a_token_of_an_earlier_run_works_after_a_restart_that_kept_the_state_folder(aws, tmp_path):
    first = LocalCognito.create("http://127.0.0.1:1", "us-east-1")
    first.save(tmp_path / "cognito.json")
    token = first.token("admin")

    second = LocalCognito.create("http://127.0.0.1:1", "us-east-1")  # a new pool in moto: a new issuer
    assert second.issuer != first.issuer
    second.carry_over(LocalCognito.load(tmp_path / "cognito.json"))
    second.save(tmp_path / "cognito.json")
    claims = TokenVerifier.for_pool(LocalCognito.load(tmp_path / "cognito.json")).claims(f"Bearer {token}")
    assert claims["cognito:groups"] == ["Administrator"]
    assert TokenVerifier.for_pool(second).claims(f"Bearer {second.token('admin')}")["iss"] == second.issuer


def test_a_token_no_run_can_check_any_more_says_to_fetch_a_new_one(aws):
    token = LocalCognito.create("http://127.0.0.1:1", "us-east-1").token("admin")
    fresh = LocalCognito.create("http://127.0.0.1:1", "us-east-1")  # its state folder was removed
    with pytest.raises(InvalidToken, match=r"fetch a new one with `mailgate token --user <name>`"):
        TokenVerifier.for_pool(fresh).claims(f"Bearer {token}")


def test_the_same_key_does_not_make_a_pool_trusted_that_was_never_carried_over(aws):
    first = LocalCognito.create("http://127.0.0.1:1", "us-east-1")
    other = LocalCognito.create("http://127.0.0.1:1", "us-east-1")
    other.signing_key, other.key_id = first.signing_key, first.key_id  # same key, issuer not trusted
    third = LocalCognito.create("http://127.0.0.1:1", "us-east-1")
    third.carry_over(first)
    with pytest.raises(InvalidToken, match=r"earlier run of the local gateway.*mailgate token"):
        TokenVerifier.for_pool(third).claims(f"Bearer {other.token('admin')}")
