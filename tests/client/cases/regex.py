"""Regular-expression functions with Java's semantics: rlike/regexp/
regexp_like, regexp_replace ($n, ${name}, escapes, position), regexp_extract
(group indexes), regexp_extract_all, regexp_count, regexp_instr,
regexp_substr, split (limits, empty patterns, zero-width matches), like /
ilike with escape characters, str_to_map with regex delimiters; Spark's
names, types and errors."""

from pyspark.sql import functions as F

from caselib import error, result


def texts(spark):
    return spark.createDataFrame([
        (1, "a1b22c333"), (2, ""), (3, None), (4, "héllo wörld 42"), (5, "x\ny"), (6, "AbC-aBc_ABC"),
        (7, "ßz9"),
    ], "id int, t string")


def sel(df, *cols):
    return result(df.select("id", *cols).orderBy("id"))


def case_rlike_family(spark):
    return sel(texts(spark), F.col("t").rlike("[0-9]+"), F.regexp_like("t", F.lit("^a")), F.regexp("t", F.lit("d$")),
               F.col("t").rlike("(?i)abc"), F.col("t").rlike("x.y"), F.col("t").rlike("(?s)x.y"),
               F.col("t").rlike("^\\p{Alpha}\\p{Digit}"), F.col("t").rlike("\\Q-a\\E"))


def case_rlike_column_pattern(spark):
    df = spark.createDataFrame([(1, "abc", "b."), (2, "abc", "^c"), (3, "abc", None), (4, "a.c", "\\.")],
                               "id int, t string, p string")
    return sel(df, F.col("t").rlike(F.col("p")), F.regexp_replace("t", F.col("p"), F.lit("_")),
               F.regexp_extract_all("t", F.col("p"), F.lit(0)))


def case_regexp_replace(spark):
    return sel(texts(spark), F.regexp_replace("t", "[0-9]+", "<$0>"), F.regexp_replace("t", "([a-z])([0-9])", "$2$1"),
               F.regexp_replace("t", "(?<d>[0-9])", "[${d}]"), F.regexp_replace("t", "[0-9]", "\\$"),
               F.regexp_replace("t", "", "-"), F.regexp_replace("t", "a*", "X"), F.regexp_replace("t", "l", "L"))


def case_regexp_replace_position(spark):
    df = spark.createDataFrame([(1, "aaaa"), (2, "héé-é")], "id int, t string")
    def rr(p, r, pos):
        return F.call_function("regexp_replace", F.col("t"), F.lit(p), F.lit(r), F.lit(pos))
    return sel(df, rr("^a", "X", 2), rr("a", "X", 3), rr("é", "E", 3), rr("a", "X", 9))


def case_regexp_replace_bad_group(spark):
    return error(lambda: texts(spark).select(F.regexp_replace("t", "([0-9]+)", "$2")).collect())


def case_regexp_replace_bad_escape(spark):
    return error(lambda: texts(spark).select(F.regexp_replace("t", "[0-9]", "\\")).collect())


def case_regexp_extract(spark):
    return sel(texts(spark), F.regexp_extract("t", "([a-z])([0-9]+)", 2), F.regexp_extract("t", "([a-z])([0-9]+)", 0),
               F.regexp_extract("t", "(x)|([0-9])", 1), F.regexp_extract("t", "[0-9]+", 0))


def case_regexp_extract_group_out_of_range(spark):
    return error(lambda: texts(spark).select(F.regexp_extract("t", "([0-9]+)", 3)).collect())


def case_regexp_extract_negative_group(spark):
    return error(lambda: texts(spark).select(F.regexp_extract("t", "([0-9]+)", -1)).collect())


def case_regexp_extract_all(spark):
    return sel(texts(spark), F.regexp_extract_all("t", F.lit("([a-z])([0-9]+)")),
               F.regexp_extract_all("t", F.lit("([a-z])([0-9]+)"), F.lit(2)),
               F.regexp_extract_all("t", F.lit("[0-9]*"), F.lit(0)))


def case_regexp_extract_all_bad_group(spark):
    return error(lambda: texts(spark).select(F.regexp_extract_all("t", F.lit("[0-9]+"), F.lit(1))).collect())


def case_regexp_count_instr_substr(spark):
    return sel(texts(spark), F.regexp_count("t", F.lit("[0-9]")), F.regexp_count("t", F.lit("")),
               F.regexp_instr("t", F.lit("[0-9]+")), F.regexp_instr("t", F.lit("([a-z])([0-9]+)"), F.lit(2)),
               F.regexp_instr("t", F.lit("z")), F.regexp_substr("t", F.lit("[0-9]+")), F.regexp_substr("t", F.lit("q*")))


def case_invalid_pattern_rlike(spark):
    return error(lambda: texts(spark).select(F.col("t").rlike("(")).collect())


def case_invalid_pattern_replace(spark):
    return error(lambda: texts(spark).select(F.regexp_replace("t", F.lit("["), F.lit("x"))).collect())


def case_invalid_pattern_count(spark):
    return error(lambda: texts(spark).select(F.regexp_count("t", F.lit("a{"))).collect())


def case_invalid_pattern_substr(spark):
    return error(lambda: texts(spark).select(F.regexp_substr("t", F.lit("*a"))).collect())


def case_split(spark):
    return sel(texts(spark), F.split("t", "[0-9]"), F.split("t", "[0-9]", 2), F.split("t", ""), F.split("t", "", 3),
               F.split("t", "(?=[0-9])"), F.split("t", "x|"), F.split("t", " "), F.split("t", "[0-9]", 0),
               F.split("t", "a", 1), F.split("t", "z*"))


def case_like_escape(spark):
    df = spark.createDataFrame([(1, "a%b"), (2, "axb"), (3, "A_B"), (4, None), (5, "a!b")], "id int, t string")
    return sel(df, F.col("t").like("a\\%b"), F.like("t", F.lit("a!%b"), F.lit("!")), F.like("t", F.lit("a!!b"), F.lit("!")),
               F.col("t").ilike("a_b"), F.ilike("t", F.lit("A/_B"), F.lit("/")), F.col("t").ilike("%B"))


def case_like_bad_escape_char(spark):
    return error(lambda: spark.range(1).select(F.like(F.lit("a"), F.lit("a%"), F.lit("ab"))).collect())


def case_like_escape_at_end(spark):
    return error(lambda: spark.range(1).select(F.like(F.lit("a"), F.lit("a!"), F.lit("!"))).collect())


def case_str_to_map_regex(spark):
    df = spark.createDataFrame([(1, "a=1;b=2"), (2, "a=1,,b"), (3, "x1y")], "id int, t string")
    return sel(df, F.str_to_map("t", F.lit("[;,]"), F.lit("=")), F.str_to_map("t", F.lit("[0-9]"), F.lit("")))


def case_regex_schema(spark):
    df = spark.createDataFrame([("a1",)], "t string not null")
    return result(df.select(F.col("t").rlike("a"), F.regexp_extract_all("t", F.lit("(a)")), F.split("t", "a"),
                            F.regexp_substr("t", F.lit("a")), F.regexp_count("t", F.lit("a")),
                            F.regexp_instr("t", F.lit("a")), F.regexp_replace("t", "a", "b"),
                            F.regexp_extract(F.lit("x"), "x", 0)))


def case_regexp_replace_position_zero(spark):
    return error(lambda: texts(spark).select(F.call_function("regexp_replace", F.col("t"), F.lit("a"), F.lit("b"),
                                                             F.lit(0))).collect())


def case_regexp_replace_position_column(spark):
    return error(lambda: texts(spark).select(F.call_function("regexp_replace", F.col("t"), F.lit("a"), F.lit("b"),
                                                             F.col("id"))).collect())


def case_like_non_ascii_escape(spark):
    df = spark.createDataFrame([(1, "a%b"), (2, "axb"), (3, "aéb")], "id int, t string")
    return sel(df, F.like("t", F.lit("aé%b"), F.lit("é")), F.like("t", F.lit("aééb"), F.lit("é")),
               F.ilike("t", F.lit("A_B"), F.lit("é")))
