"""Excerpts of what a server said: short, printable, and never carrying a credential or a stream key."""

from __future__ import annotations

import pytest

from airflow_provider_realtimekit.api.excerpts import excerpt, json_excerpt, server_said


@pytest.mark.parametrize(
    ("text", "kept", "secret"),
    [
        ('{"stream_key": "abc123"}', '"stream_key": "***"', "abc123"),
        ('{"streamKey":"abc123"}', '"streamKey":"***"', "abc123"),
        ("rtmps://live.example.com:443/live/abc123 then", "rtmps://live.example.com:443/*** then", "abc123"),
        ("rtmp://1.2.3.4/app/abc123", "rtmp://1.2.3.4/***", "abc123"),
        ("srt://ingest.example.com:778?streamid=abc123&passphrase=p", "srt://ingest.example.com:778/***", "abc123"),
        ("Authorization: Bearer abc123", "Authorization: ***", "abc123"),
        ('{"api_token": "abc123"}', '"api_token": "***"', "abc123"),
    ],
)
def test_excerpt_redacts_stream_keys_ingest_urls_and_tokens(text, kept, secret):
    quoted = excerpt(text)

    assert kept in quoted
    assert secret not in quoted


def test_json_excerpt_redacts_secret_keys_at_any_depth():
    quoted = json_excerpt({"livestream": [{"id": "ls1", "stream_key": "abc123", "nested": {"password": 7}}]})

    assert "abc123" not in quoted and ": 7" not in quoted
    assert '"id": "ls1"' in quoted


def test_server_said_lists_a_problem_title_detail_and_validation():
    said = server_said(
        {
            "type": "about:blank",
            "title": "Unprocessable Entity",
            "detail": "bad query",
            "validation": [{"path": "query.status", "message": "not allowed"}, "plain"],
        }
    )

    assert said == "Unprocessable Entity; bad query; query.status: not allowed; plain"


def test_server_said_falls_back_to_a_json_excerpt():
    assert server_said({"reason": "nope"}) == '{"reason": "nope"}'


def test_excerpts_are_cut_short():
    assert len(server_said({"title": "x" * 1000})) == 203
    assert excerpt("y" * 1000).endswith("...")
