"""Persistent views and ALTER TABLE changes across a restart (Ember only:
each test starts its own server on a temporary warehouse, as
test_catalog_persist.py does; every wait has a timeout)."""

import shutil
import tempfile

import pytest

from conftest import new_session
from test_catalog_persist import start_server, stop


def test_views_and_alterations_survive_a_restart(server):
    if server.is_spark:
        pytest.skip("starts its own Ember servers")
    wh = tempfile.mkdtemp(prefix="ember-views-")
    try:
        proc, url = start_server(wh)
        try:
            s = new_session(url)
            s.sql("CREATE TABLE people (name STRING, age INT) USING json")
            s.sql("INSERT INTO people VALUES ('ann', 31), ('bob', 27), ('cy', 40)")
            s.sql("CREATE VIEW adults (who, years) AS SELECT name, age FROM people WHERE age > 30")
            s.sql("ALTER TABLE people SET TBLPROPERTIES ('owner' = 'qa')")
            s.sql("ALTER TABLE people ADD COLUMNS (city STRING COMMENT 'where')")
            s.sql("ALTER TABLE people RENAME TO persons")
            s.stop()
        finally:
            stop(proc)
        proc, url = start_server(wh)
        try:
            s = new_session(url)
            # The view still reads the table by its old name: Spark's views do not follow renames either.
            with pytest.raises(Exception) as ei:
                s.sql("SELECT * FROM adults").collect()
            assert "TABLE_OR_VIEW_NOT_FOUND" in str(ei.value)
            s.sql("CREATE OR REPLACE VIEW adults (who, years) AS SELECT name, age FROM persons WHERE age > 30")
            assert [tuple(r) for r in s.sql("SELECT * FROM adults ORDER BY who").collect()] == [("ann", 31), ("cy", 40)]
            assert s.table("adults").columns == ["who", "years"]
            assert [tuple(r) for r in s.sql("SHOW TBLPROPERTIES persons").collect()] == [("owner", "qa")]
            desc = [tuple(r) for r in s.sql("DESCRIBE persons").collect()]
            assert desc == [("name", "string", None), ("age", "int", None), ("city", "string", "where")]
            rows = s.sql("SELECT name, city FROM persons ORDER BY name").collect()
            assert [tuple(r) for r in rows] == [("ann", None), ("bob", None), ("cy", None)]
            assert s.catalog.getTable("adults").tableType == "VIEW"
            s.sql("DROP VIEW adults")
            assert not s.catalog.tableExists("adults")
            s.stop()
        finally:
            stop(proc)
    finally:
        shutil.rmtree(wh, ignore_errors=True)
