"""The SQLite-to-PostgreSQL statement translator (bot/store/pg_sql.py), on nasty inputs."""

from __future__ import annotations

import pytest

from bot.store.pg_sql import translate


def test_bare_placeholders_are_numbered_in_order() -> None:
    assert translate("SELECT a FROM t WHERE b = ? AND c = ?") == (
        "SELECT a FROM t WHERE b = $1 AND c = $2"
    )


def test_numbered_placeholders_keep_their_number_and_bare_ones_follow_the_largest() -> None:
    # SQLite: a bare ? is one more than the largest number given so far.
    assert translate("SELECT ?12, ?2, ?") == "SELECT $12, $2, $13"
    assert translate("VALUES (?1, ?1, ?2)") == "VALUES ($1, $1, $2)"


def test_question_marks_in_strings_identifiers_and_comments_are_left_alone() -> None:
    sql = "SELECT 'why?', \"odd?col\", ? -- really?\n FROM t /* ? */ WHERE x = ?"
    assert translate(sql) == (
        "SELECT 'why?', \"odd?col\", $1 -- really?\n FROM t /* ? */ WHERE x = $2"
    )


def test_doubled_quotes_stay_inside_their_literal() -> None:
    sql = "SELECT 'it''s ? LIKE char(1)' , ? WHERE a LIKE ?"
    assert translate(sql) == "SELECT 'it''s ? LIKE char(1)' , $1 WHERE a ILIKE $2"
    assert translate('SELECT "a""?b" FROM t WHERE c = ?') == 'SELECT "a""?b" FROM t WHERE c = $1'


def test_like_becomes_ilike_as_a_whole_word_only() -> None:
    assert translate("SELECT * FROM t WHERE name NOT like ? ESCAPE '\\'") == (
        "SELECT * FROM t WHERE name NOT ILIKE $1 ESCAPE '\\'"
    )
    assert translate("SELECT likely, unlike, liked FROM t") == "SELECT likely, unlike, liked FROM t"
    assert translate("SELECT * FROM t WHERE a ILIKE ?") == "SELECT * FROM t WHERE a ILIKE $1"


def test_char_becomes_chr_but_not_varchar() -> None:
    assert translate("SELECT char(10) || CHAR (9), CAST(x AS varchar(3))") == (
        "SELECT chr(10) || chr(9), CAST(x AS varchar(3))"
    )


def test_insert_or_ignore_gets_on_conflict_at_the_end() -> None:
    assert translate("INSERT OR IGNORE INTO t(a, b) VALUES (?, ?)") == (
        "INSERT INTO t(a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    )
    assert translate("insert or  ignore\ninto t SELECT a FROM u WHERE b = ?;  ") == (
        "INSERT INTO t SELECT a FROM u WHERE b = $1 ON CONFLICT DO NOTHING;  "
    )


def test_insert_or_ignore_puts_on_conflict_before_returning() -> None:
    assert translate("INSERT OR IGNORE INTO t(a) VALUES (?) RETURNING id") == (
        "INSERT INTO t(a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id"
    )


def test_insert_or_ignore_ending_in_a_literal_or_comment() -> None:
    assert translate("INSERT OR IGNORE INTO t(a) SELECT 'x'") == (
        "INSERT INTO t(a) SELECT 'x' ON CONFLICT DO NOTHING"
    )
    assert translate("INSERT OR IGNORE INTO t(a) VALUES (?) -- keep the first") == (
        "INSERT INTO t(a) VALUES ($1) ON CONFLICT DO NOTHING -- keep the first"
    )


def test_insert_or_ignore_inside_a_literal_is_not_rewritten() -> None:
    sql = "INSERT INTO notes(text) VALUES ('INSERT OR IGNORE INTO x RETURNING y')"
    assert translate(sql) == sql


def test_plain_sql_is_unchanged_and_the_result_is_cached() -> None:
    sql = "UPDATE t SET a = 1 WHERE b = 'q' RETURNING id"
    assert translate(sql) == sql
    before = translate.cache_info().hits
    translate(sql)
    assert translate.cache_info().hits == before + 1


def test_placeholder_zero_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\?0 is out of range"):
        translate("SELECT ?0")
