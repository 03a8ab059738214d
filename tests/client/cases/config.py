"""spark.conf: set/get/unset, defaults, unknown keys, isModifiable, static keys,
the keys PySpark itself reads, and the session time zone's effect."""

import datetime

from caselib import collect, error, show

# Keys the 4.2 client reads (protocol brief, section 6) and a few more it is
# useful to agree on. Their values must match Spark's defaults (the servers run
# with TZ=UTC, so the session time zone is the same on both).
CLIENT_KEYS = [
    "spark.connect.session.planCompression.threshold",
    "spark.connect.session.planCompression.defaultAlgorithm",
    "spark.sql.execution.pyspark.binaryAsBytes",
    "spark.sql.session.timeZone",
    "spark.sql.execution.pandas.structHandlingMode",
    "spark.sql.execution.arrow.pyspark.selfDestruct.enabled",
    "spark.sql.timestampType",
    "spark.sql.session.localRelationCacheThreshold",
    "spark.sql.session.localRelationSizeLimit",
    "spark.sql.session.localRelationChunkSizeRows",
    "spark.sql.session.localRelationChunkSizeBytes",
    "spark.sql.session.localRelationBatchOfChunksSizeBytes",
    "spark.sql.execution.pandas.convertToArrowArraySafely",
    "spark.sql.execution.pandas.inferPandasDictAsMap",
    "spark.sql.pyspark.inferNestedDictAsStruct.enabled",
    "spark.sql.pyspark.legacy.inferArrayTypeFromFirstElement.enabled",
    "spark.sql.pyspark.legacy.inferMapTypeFromFirstPair.enabled",
    "spark.sql.execution.arrow.useLargeVarTypes",
    "spark.sql.repl.eagerEval.enabled",
    "spark.sql.repl.eagerEval.maxNumRows",
    "spark.sql.repl.eagerEval.truncate",
    "spark.sql.connect.serverStacktrace.enabled",
    "spark.sql.pyspark.jvmStacktrace.enabled",
    "spark.sql.execution.pythonUDF.arrow.enabled",
    "spark.sql.execution.pythonUDTF.arrow.enabled",
    "spark.sql.execution.arrow.maxRecordsPerBatch",
    "spark.sql.ansi.enabled",
    "spark.sql.connect.enrichError.enabled",
    "spark.sql.shuffle.partitions",
    "spark.sql.caseSensitive",
]

# Read by the client with GetWithDefault (they need not exist on the server).
CLIENT_KEYS_WITH_DEFAULT = [
    ("spark.sql.execution.pyspark.binaryAsBytes", "true"),
    ("spark.python.sql.dataFrameDebugging.enabled", "true"),
]


def case_client_keys(spark):
    return {k: spark.conf.get(k) for k in CLIENT_KEYS}


def case_client_keys_with_default(spark):
    return {k: spark.conf.get(k, d) for k, d in CLIENT_KEYS_WITH_DEFAULT}


def case_set_get_unset(spark):
    k = "spark.sql.shuffle.partitions"
    before = spark.conf.get(k)
    spark.conf.set(k, 7)
    after_set = spark.conf.get(k)
    spark.conf.unset(k)
    after_unset = spark.conf.get(k)
    return [before, after_set, after_unset]


def case_set_bool_and_str(spark):
    k = "spark.sql.caseSensitive"
    spark.conf.set(k, True)
    a = spark.conf.get(k)
    spark.conf.set(k, "false")
    b = spark.conf.get(k)
    spark.conf.unset(k)
    return [a, b, spark.conf.get(k)]


def case_custom_key(spark):
    k = "spark.ember.test.custom"
    spark.conf.set(k, "value 1")
    a = spark.conf.get(k)
    spark.conf.unset(k)
    return {"after_set": a, "after_unset_with_default": spark.conf.get(k, "gone"),
            "after_unset": error(spark.conf.get, k)}


def case_get_with_default_unknown(spark):
    return [spark.conf.get("spark.ember.nope", "dflt"), spark.conf.get("spark.ember.nope", "")]


def case_get_with_default_known(spark):
    # A known key with a default argument: the session's value wins.
    return spark.conf.get("spark.sql.shuffle.partitions", "1")


def case_get_with_none_default(spark):
    return [spark.conf.get("spark.ember.nope", None), spark.conf.get("spark.sql.ansi.enabled", None)]


def case_get_unknown_key_error(spark):
    return error(spark.conf.get, "spark.ember.does.not.exist")


def case_get_unknown_key_then_ok(spark):
    e = error(spark.conf.get, "spark.ember.does.not.exist2", message=False)
    return {"error": e["condition"], "after": collect(spark.range(2))}


def case_unset_unknown_key(spark):
    spark.conf.unset("spark.ember.never.set")
    return spark.conf.get("spark.ember.never.set", "still-default")


def case_is_modifiable(spark):
    keys = ["spark.sql.shuffle.partitions", "spark.sql.ansi.enabled", "spark.sql.session.timeZone",
            "spark.sql.warehouse.dir", "spark.driver.memory", "spark.executor.memory",
            "spark.ember.unknown.key", "spark.sql.execution.arrow.maxRecordsPerBatch"]
    return {k: spark.conf.isModifiable(k) for k in keys}


def case_set_static_sql_conf_error(spark):
    return error(spark.conf.set, "spark.sql.warehouse.dir", "/tmp/elsewhere")


def case_set_spark_core_conf_error(spark):
    return error(spark.conf.set, "spark.executor.memory", "2g")


def case_get_all_prefix(spark):
    spark.conf.set("spark.ember.prefix.a", "1")
    spark.conf.set("spark.ember.prefix.b", "two")
    try:
        allconf = spark.conf.getAll
        mine = {k: v for k, v in allconf.items() if k.startswith("spark.ember.prefix.")}
        return {"type": type(allconf).__name__, "mine": mine,
                "has_timezone": "spark.sql.session.timeZone" in allconf}
    finally:
        spark.conf.unset("spark.ember.prefix.a")
        spark.conf.unset("spark.ember.prefix.b")


def case_int_conf_invalid_value(spark):
    k = "spark.sql.shuffle.partitions"
    e = error(spark.conf.set, k, "not-a-number")
    return {"error": e, "value_after": spark.conf.get(k)}


def case_session_time_zone_effect(spark):
    k = "spark.sql.session.timeZone"
    df = spark.sql("SELECT TIMESTAMP '2024-01-01 12:00:00' AS ts, TIMESTAMP_NTZ '2024-01-01 12:00:00' AS tsn")
    utc = {"rows": collect(df), "show": show(df)}
    spark.conf.set(k, "America/Los_Angeles")
    try:
        df2 = spark.sql("SELECT TIMESTAMP '2024-01-01 12:00:00' AS ts, TIMESTAMP_NTZ '2024-01-01 12:00:00' AS tsn")
        la = {"rows": collect(df2), "show": show(df2), "tz": spark.conf.get(k)}
        data = spark.createDataFrame([(datetime.datetime(2024, 1, 1, 12, 0),)], "t timestamp")
        la["created_show"] = show(data)
        la["created_rows"] = collect(data)
    finally:
        spark.conf.unset(k)
    return {"utc": utc, "la": la, "tz_after_unset": spark.conf.get(k)}


def case_invalid_time_zone_error(spark):
    return error(spark.conf.set, "spark.sql.session.timeZone", "Not/AZone")
