"""The 22 TPC-H queries in the PySpark DataFrame API.

Written from the query definitions of the TPC-H specification (section 2.4)
with the validation (default substitution) parameters, the same ones as the
SQL text in ``sql/qNN.sql``.

Every function has the signature ``qNN(spark, t)`` where ``t(name)`` returns
the DataFrame of a TPC-H table (``t.sf`` is the scale factor, used by Q11)
and returns a DataFrame; nothing is executed until the caller collects it, so
timing the collect times the whole query.

Correlated subqueries are written the way a DataFrame user writes them:
aggregate, then join (or semi/anti join). Columns are renamed where a table
is used twice so that no join needs plan-id based disambiguation.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from pyspark.sql import functions as F

col = F.col


def _d(s: str):
    return F.lit(_dt.date.fromisoformat(s))


def _dec(s: str):
    return F.lit(Decimal(s))


def _disc_price():
    return col("l_extendedprice") * (F.lit(1) - col("l_discount"))


def q01(spark, t):
    # l_shipdate <= date '1998-12-01' - interval '90' day  ->  1998-09-02
    return (
        t("lineitem")
        .filter(col("l_shipdate") <= _d("1998-09-02"))
        .groupBy("l_returnflag", "l_linestatus")
        .agg(
            F.sum("l_quantity").alias("sum_qty"),
            F.sum("l_extendedprice").alias("sum_base_price"),
            F.sum(_disc_price()).alias("sum_disc_price"),
            F.sum(_disc_price() * (F.lit(1) + col("l_tax"))).alias("sum_charge"),
            F.avg("l_quantity").alias("avg_qty"),
            F.avg("l_extendedprice").alias("avg_price"),
            F.avg("l_discount").alias("avg_disc"),
            F.count(F.lit(1)).alias("count_order"),
        )
        .orderBy("l_returnflag", "l_linestatus")
    )


def q02(spark, t):
    europe_supp = (
        t("region")
        .filter(col("r_name") == "EUROPE")
        .join(t("nation"), col("r_regionkey") == col("n_regionkey"))
        .join(t("supplier"), col("n_nationkey") == col("s_nationkey"))
    )
    europe_ps = t("partsupp").join(europe_supp, col("ps_suppkey") == col("s_suppkey"))
    min_cost = europe_ps.groupBy("ps_partkey").agg(F.min("ps_supplycost").alias("min_cost"))
    parts = t("part").filter((col("p_size") == 15) & col("p_type").endswith("BRASS"))
    return (
        parts.join(europe_ps, col("p_partkey") == col("ps_partkey"))
        .join(
            min_cost.withColumnRenamed("ps_partkey", "mc_partkey"),
            (col("p_partkey") == col("mc_partkey")) & (col("ps_supplycost") == col("min_cost")),
        )
        .select("s_acctbal", "s_name", "n_name", "p_partkey", "p_mfgr", "s_address", "s_phone", "s_comment")
        .orderBy(col("s_acctbal").desc(), "n_name", "s_name", "p_partkey")
        .limit(100)
    )


def q03(spark, t):
    cust = t("customer").filter(col("c_mktsegment") == "BUILDING")
    orders = t("orders").filter(col("o_orderdate") < _d("1995-03-15"))
    items = t("lineitem").filter(col("l_shipdate") > _d("1995-03-15"))
    return (
        cust.join(orders, col("c_custkey") == col("o_custkey"))
        .join(items, col("l_orderkey") == col("o_orderkey"))
        .groupBy("l_orderkey", "o_orderdate", "o_shippriority")
        .agg(F.sum(_disc_price()).alias("revenue"))
        .select("l_orderkey", "revenue", "o_orderdate", "o_shippriority")
        .orderBy(col("revenue").desc(), "o_orderdate")
        .limit(10)
    )


def q04(spark, t):
    orders = t("orders").filter(
        (col("o_orderdate") >= _d("1993-07-01")) & (col("o_orderdate") < _d("1993-10-01"))
    )
    late = t("lineitem").filter(col("l_commitdate") < col("l_receiptdate")).select("l_orderkey")
    return (
        orders.join(late, col("o_orderkey") == col("l_orderkey"), "left_semi")
        .groupBy("o_orderpriority")
        .agg(F.count(F.lit(1)).alias("order_count"))
        .orderBy("o_orderpriority")
    )


def q05(spark, t):
    asia = (
        t("region")
        .filter(col("r_name") == "ASIA")
        .join(t("nation"), col("r_regionkey") == col("n_regionkey"))
    )
    orders = t("orders").filter(
        (col("o_orderdate") >= _d("1994-01-01")) & (col("o_orderdate") < _d("1995-01-01"))
    )
    return (
        asia.join(t("supplier"), col("n_nationkey") == col("s_nationkey"))
        .join(t("lineitem"), col("s_suppkey") == col("l_suppkey"))
        .join(orders, col("l_orderkey") == col("o_orderkey"))
        .join(
            t("customer"),
            (col("o_custkey") == col("c_custkey")) & (col("c_nationkey") == col("s_nationkey")),
        )
        .groupBy("n_name")
        .agg(F.sum(_disc_price()).alias("revenue"))
        .orderBy(col("revenue").desc())
    )


def q06(spark, t):
    return (
        t("lineitem")
        .filter(
            (col("l_shipdate") >= _d("1994-01-01"))
            & (col("l_shipdate") < _d("1995-01-01"))
            & col("l_discount").between(_dec("0.05"), _dec("0.07"))
            & (col("l_quantity") < 24)
        )
        .agg(F.sum(col("l_extendedprice") * col("l_discount")).alias("revenue"))
    )


def q07(spark, t):
    n1 = t("nation").select(col("n_nationkey").alias("n1_key"), col("n_name").alias("supp_nation"))
    n2 = t("nation").select(col("n_nationkey").alias("n2_key"), col("n_name").alias("cust_nation"))
    items = t("lineitem").filter(col("l_shipdate").between(_d("1995-01-01"), _d("1996-12-31")))
    return (
        t("supplier")
        .join(items, col("s_suppkey") == col("l_suppkey"))
        .join(t("orders"), col("o_orderkey") == col("l_orderkey"))
        .join(t("customer"), col("c_custkey") == col("o_custkey"))
        .join(n1, col("s_nationkey") == col("n1_key"))
        .join(n2, col("c_nationkey") == col("n2_key"))
        .filter(
            ((col("supp_nation") == "FRANCE") & (col("cust_nation") == "GERMANY"))
            | ((col("supp_nation") == "GERMANY") & (col("cust_nation") == "FRANCE"))
        )
        .select(
            "supp_nation",
            "cust_nation",
            F.year("l_shipdate").alias("l_year"),
            _disc_price().alias("volume"),
        )
        .groupBy("supp_nation", "cust_nation", "l_year")
        .agg(F.sum("volume").alias("revenue"))
        .orderBy("supp_nation", "cust_nation", "l_year")
    )


def q08(spark, t):
    n1 = t("nation").select(col("n_nationkey").alias("n1_key"), col("n_regionkey").alias("n1_regionkey"))
    n2 = t("nation").select(col("n_nationkey").alias("n2_key"), col("n_name").alias("nation"))
    america = t("region").filter(col("r_name") == "AMERICA")
    parts = t("part").filter(col("p_type") == "ECONOMY ANODIZED STEEL")
    orders = t("orders").filter(col("o_orderdate").between(_d("1995-01-01"), _d("1996-12-31")))
    all_nations = (
        parts.join(t("lineitem"), col("p_partkey") == col("l_partkey"))
        .join(t("supplier"), col("s_suppkey") == col("l_suppkey"))
        .join(orders, col("l_orderkey") == col("o_orderkey"))
        .join(t("customer"), col("o_custkey") == col("c_custkey"))
        .join(n1, col("c_nationkey") == col("n1_key"))
        .join(america, col("n1_regionkey") == col("r_regionkey"))
        .join(n2, col("s_nationkey") == col("n2_key"))
        .select(
            F.year("o_orderdate").alias("o_year"),
            _disc_price().alias("volume"),
            "nation",
        )
    )
    return (
        all_nations.groupBy("o_year")
        .agg(
            (
                F.sum(F.when(col("nation") == "BRAZIL", col("volume")).otherwise(F.lit(0)))
                / F.sum("volume")
            ).alias("mkt_share")
        )
        .orderBy("o_year")
    )


def q09(spark, t):
    parts = t("part").filter(col("p_name").like("%green%"))
    return (
        parts.join(t("lineitem"), col("p_partkey") == col("l_partkey"))
        .join(t("supplier"), col("s_suppkey") == col("l_suppkey"))
        .join(
            t("partsupp"),
            (col("ps_suppkey") == col("l_suppkey")) & (col("ps_partkey") == col("l_partkey")),
        )
        .join(t("orders"), col("o_orderkey") == col("l_orderkey"))
        .join(t("nation"), col("s_nationkey") == col("n_nationkey"))
        .select(
            col("n_name").alias("nation"),
            F.year("o_orderdate").alias("o_year"),
            (_disc_price() - col("ps_supplycost") * col("l_quantity")).alias("amount"),
        )
        .groupBy("nation", "o_year")
        .agg(F.sum("amount").alias("sum_profit"))
        .orderBy("nation", col("o_year").desc())
    )


def q10(spark, t):
    orders = t("orders").filter(
        (col("o_orderdate") >= _d("1993-10-01")) & (col("o_orderdate") < _d("1994-01-01"))
    )
    items = t("lineitem").filter(col("l_returnflag") == "R")
    return (
        t("customer")
        .join(orders, col("c_custkey") == col("o_custkey"))
        .join(items, col("l_orderkey") == col("o_orderkey"))
        .join(t("nation"), col("c_nationkey") == col("n_nationkey"))
        .groupBy("c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment")
        .agg(F.sum(_disc_price()).alias("revenue"))
        .select("c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone", "c_comment")
        .orderBy(col("revenue").desc())
        .limit(20)
    )


def q11(spark, t):
    fraction = Decimal("0.0001") / Decimal(str(t.sf))
    german = (
        t("nation")
        .filter(col("n_name") == "GERMANY")
        .join(t("supplier"), col("n_nationkey") == col("s_nationkey"))
        .join(t("partsupp"), col("s_suppkey") == col("ps_suppkey"))
        .select("ps_partkey", (col("ps_supplycost") * col("ps_availqty")).alias("v"))
    )
    threshold = german.agg((F.sum("v") * F.lit(fraction)).alias("threshold"))
    return (
        german.groupBy("ps_partkey")
        .agg(F.sum("v").alias("value"))
        .crossJoin(threshold)
        .filter(col("value") > col("threshold"))
        .select("ps_partkey", "value")
        .orderBy(col("value").desc())
    )


def q12(spark, t):
    urgent = (col("o_orderpriority") == "1-URGENT") | (col("o_orderpriority") == "2-HIGH")
    items = t("lineitem").filter(
        col("l_shipmode").isin("MAIL", "SHIP")
        & (col("l_commitdate") < col("l_receiptdate"))
        & (col("l_shipdate") < col("l_commitdate"))
        & (col("l_receiptdate") >= _d("1994-01-01"))
        & (col("l_receiptdate") < _d("1995-01-01"))
    )
    return (
        t("orders")
        .join(items, col("o_orderkey") == col("l_orderkey"))
        .groupBy("l_shipmode")
        .agg(
            F.sum(F.when(urgent, 1).otherwise(0)).alias("high_line_count"),
            F.sum(F.when(~urgent, 1).otherwise(0)).alias("low_line_count"),
        )
        .orderBy("l_shipmode")
    )


def q13(spark, t):
    orders = t("orders").filter(~col("o_comment").like("%special%requests%"))
    return (
        t("customer")
        .join(orders, col("c_custkey") == col("o_custkey"), "left_outer")
        .groupBy("c_custkey")
        .agg(F.count("o_orderkey").alias("c_count"))
        .groupBy("c_count")
        .agg(F.count(F.lit(1)).alias("custdist"))
        .orderBy(col("custdist").desc(), col("c_count").desc())
    )


def q14(spark, t):
    items = t("lineitem").filter(
        (col("l_shipdate") >= _d("1995-09-01")) & (col("l_shipdate") < _d("1995-10-01"))
    )
    return (
        items.join(t("part"), col("l_partkey") == col("p_partkey"))
        .agg(
            (
                _dec("100.00")
                * F.sum(F.when(col("p_type").like("PROMO%"), _disc_price()).otherwise(F.lit(0)))
                / F.sum(_disc_price())
            ).alias("promo_revenue")
        )
    )


def q15(spark, t):
    revenue = (
        t("lineitem")
        .filter((col("l_shipdate") >= _d("1996-01-01")) & (col("l_shipdate") < _d("1996-04-01")))
        .groupBy(col("l_suppkey").alias("supplier_no"))
        .agg(F.sum(_disc_price()).alias("total_revenue"))
    )
    top = revenue.agg(F.max("total_revenue").alias("max_revenue"))
    return (
        t("supplier")
        .join(revenue, col("s_suppkey") == col("supplier_no"))
        .join(top, col("total_revenue") == col("max_revenue"))
        .select("s_suppkey", "s_name", "s_address", "s_phone", "total_revenue")
        .orderBy("s_suppkey")
    )


def q16(spark, t):
    complainers = t("supplier").filter(col("s_comment").like("%Customer%Complaints%")).select("s_suppkey")
    parts = t("part").filter(
        (col("p_brand") != "Brand#45")
        & ~col("p_type").startswith("MEDIUM POLISHED")
        & col("p_size").isin(49, 14, 23, 45, 19, 3, 36, 9)
    )
    return (
        t("partsupp")
        .join(parts, col("p_partkey") == col("ps_partkey"))
        .join(complainers, col("ps_suppkey") == col("s_suppkey"), "left_anti")
        .groupBy("p_brand", "p_type", "p_size")
        .agg(F.countDistinct("ps_suppkey").alias("supplier_cnt"))
        .orderBy(col("supplier_cnt").desc(), "p_brand", "p_type", "p_size")
    )


def q17(spark, t):
    parts = t("part").filter((col("p_brand") == "Brand#23") & (col("p_container") == "MED BOX"))
    items = t("lineitem").join(parts, col("l_partkey") == col("p_partkey"))
    avg_qty = (
        t("lineitem")
        .groupBy(col("l_partkey").alias("a_partkey"))
        .agg((_dec("0.2") * F.avg("l_quantity")).alias("qty_limit"))
    )
    return (
        items.join(avg_qty, col("p_partkey") == col("a_partkey"))
        .filter(col("l_quantity") < col("qty_limit"))
        .agg((F.sum("l_extendedprice") / _dec("7.0")).alias("avg_yearly"))
    )


def q18(spark, t):
    big = (
        t("lineitem")
        .groupBy(col("l_orderkey").alias("big_orderkey"))
        .agg(F.sum("l_quantity").alias("qty"))
        .filter(col("qty") > 300)
        .select("big_orderkey")
    )
    return (
        t("orders")
        .join(big, col("o_orderkey") == col("big_orderkey"), "left_semi")
        .join(t("customer"), col("c_custkey") == col("o_custkey"))
        .join(t("lineitem"), col("o_orderkey") == col("l_orderkey"))
        .groupBy("c_name", "c_custkey", "o_orderkey", "o_orderdate", "o_totalprice")
        .agg(F.sum("l_quantity").alias("sum(l_quantity)"))
        .orderBy(col("o_totalprice").desc(), "o_orderdate")
        .limit(100)
    )


def q19(spark, t):
    common = col("l_shipmode").isin("AIR", "AIR REG") & (col("l_shipinstruct") == "DELIVER IN PERSON")

    def branch(brand, containers, qty, max_size):
        return (
            (col("p_brand") == brand)
            & col("p_container").isin(*containers)
            & (col("l_quantity") >= qty)
            & (col("l_quantity") <= qty + 10)
            & col("p_size").between(1, max_size)
        )

    cond = common & (
        branch("Brand#12", ["SM CASE", "SM BOX", "SM PACK", "SM PKG"], 1, 5)
        | branch("Brand#23", ["MED BAG", "MED BOX", "MED PKG", "MED PACK"], 10, 10)
        | branch("Brand#34", ["LG CASE", "LG BOX", "LG PACK", "LG PKG"], 20, 15)
    )
    return (
        t("lineitem")
        .join(t("part"), col("p_partkey") == col("l_partkey"))
        .filter(cond)
        .agg(F.sum(_disc_price()).alias("revenue"))
    )


def q20(spark, t):
    forest = t("part").filter(col("p_name").startswith("forest")).select("p_partkey")
    shipped = (
        t("lineitem")
        .filter((col("l_shipdate") >= _d("1994-01-01")) & (col("l_shipdate") < _d("1995-01-01")))
        .groupBy("l_partkey", "l_suppkey")
        .agg((_dec("0.5") * F.sum("l_quantity")).alias("half_qty"))
    )
    candidates = (
        t("partsupp")
        .join(forest, col("ps_partkey") == col("p_partkey"), "left_semi")
        .join(
            shipped,
            (col("l_partkey") == col("ps_partkey")) & (col("l_suppkey") == col("ps_suppkey")),
        )
        .filter(col("ps_availqty") > col("half_qty"))
        .select("ps_suppkey")
    )
    return (
        t("supplier")
        .join(t("nation").filter(col("n_name") == "CANADA"), col("s_nationkey") == col("n_nationkey"))
        .join(candidates, col("s_suppkey") == col("ps_suppkey"), "left_semi")
        .select("s_name", "s_address")
        .orderBy("s_name")
    )


def q21(spark, t):
    l1 = t("lineitem").filter(col("l_receiptdate") > col("l_commitdate"))
    l2 = t("lineitem").select(col("l_orderkey").alias("l2_orderkey"), col("l_suppkey").alias("l2_suppkey"))
    l3 = (
        t("lineitem")
        .filter(col("l_receiptdate") > col("l_commitdate"))
        .select(col("l_orderkey").alias("l3_orderkey"), col("l_suppkey").alias("l3_suppkey"))
    )
    saudi = (
        t("nation")
        .filter(col("n_name") == "SAUDI ARABIA")
        .join(t("supplier"), col("n_nationkey") == col("s_nationkey"))
    )
    orders = t("orders").filter(col("o_orderstatus") == "F")
    return (
        saudi.join(l1, col("s_suppkey") == col("l_suppkey"))
        .join(orders, col("o_orderkey") == col("l_orderkey"))
        .join(
            l2,
            (col("l2_orderkey") == col("l_orderkey")) & (col("l2_suppkey") != col("l_suppkey")),
            "left_semi",
        )
        .join(
            l3,
            (col("l3_orderkey") == col("l_orderkey")) & (col("l3_suppkey") != col("l_suppkey")),
            "left_anti",
        )
        .groupBy("s_name")
        .agg(F.count(F.lit(1)).alias("numwait"))
        .orderBy(col("numwait").desc(), "s_name")
        .limit(100)
    )


def q22(spark, t):
    codes = ["13", "31", "23", "29", "30", "18", "17"]
    cust = t("customer").withColumn("cntrycode", F.substring("c_phone", 1, 2)).filter(col("cntrycode").isin(*codes))
    avg_bal = cust.filter(col("c_acctbal") > _dec("0.00")).agg(F.avg("c_acctbal").alias("avg_bal"))
    return (
        cust.crossJoin(avg_bal)
        .filter(col("c_acctbal") > col("avg_bal"))
        .join(t("orders"), col("c_custkey") == col("o_custkey"), "left_anti")
        .groupBy("cntrycode")
        .agg(F.count(F.lit(1)).alias("numcust"), F.sum("c_acctbal").alias("totacctbal"))
        .orderBy("cntrycode")
    )


QUERIES = {i: globals()[f"q{i:02d}"] for i in range(1, 23)}
