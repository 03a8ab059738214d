// A Spark Connect program written against Spark's JVM client
// (org.apache.spark:spark-connect-client-jvm_2.13). It runs fixed steps
// against the server given as its argument and prints one JSON object per
// step: {"step", "columns", "rows"} or {"step", "error"}.
// tests/client/test_jvm_client.py compares them with the same program's
// output against real Spark (recorded by tests/oracle/record_jvm.py).

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.upper;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

public final class EmberJvmClient {
  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  private static String value(Object v) {
    return v == null ? "null:null" : v.getClass().getSimpleName() + ":" + v;
  }

  private static void emitRows(String step, Dataset<Row> df, boolean sorted) {
    String[] cols = df.columns();
    List<Row> rows = df.collectAsList();
    List<String> lines = new ArrayList<>();
    for (Row r : rows) {
      List<String> vals = new ArrayList<>();
      for (int i = 0; i < r.length(); i++) vals.add(quote(value(r.get(i))));
      lines.add("[" + String.join(",", vals) + "]");
    }
    if (sorted) lines.sort(null);
    List<String> qc = new ArrayList<>();
    for (String c : cols) qc.add(quote(c));
    System.out.println("{\"step\":" + quote(step) + ",\"columns\":[" + String.join(",", qc) + "],\"rows\":["
        + String.join(",", lines) + "]}");
  }

  private static void step(String name, boolean sorted, Supplier<Dataset<Row>> f) {
    try {
      emitRows(name, f.get(), sorted);
    } catch (Exception e) {
      String m = String.valueOf(e.getMessage()).split("\n")[0];
      System.out.println("{\"step\":" + quote(name) + ",\"error\":" + quote(m) + "}");
    }
  }

  public static void main(String[] args) {
    String url = args.length > 0 ? args[0] : "sc://localhost:15002";
    boolean withSql = args.length < 2 || !args[1].equals("--no-sql");
    SparkSession spark = SparkSession.builder().remote(url).getOrCreate();
    try {
      StructType schema = new StructType()
          .add("name", DataTypes.StringType)
          .add("dept", DataTypes.StringType)
          .add("salary", DataTypes.LongType);
      List<Row> data = Arrays.asList(
          RowFactory.create("ann", "eng", 120L), RowFactory.create("bob", "eng", 100L),
          RowFactory.create("cid", "ops", 90L), RowFactory.create("dan", "ops", null),
          RowFactory.create("eve", "hr", 70L));
      Dataset<Row> df = spark.createDataFrame(data, schema);
      step("create", false, () -> df);
      step("filter", true, () -> df.filter(col("salary").gt(95)));
      step("group_by", true, () -> df.groupBy(col("dept")).agg(count("name").as("n"), sum("salary").as("total")));
      step("order_by", false, () -> df.orderBy(col("salary").desc(), col("name").asc()));
      step("with_column_select", true,
          () -> df.withColumn("up", upper(col("name"))).select(col("up"), col("salary").multiply(lit(2)).as("x")));
      step("range", false, () -> spark.range(0, 10, 3).toDF().withColumn("sq", col("id").multiply(col("id"))));
      step("count", false, () -> spark.range(0, 1).select(lit(df.count()).as("count")));
      if (withSql) {
        step("sql_query", true, () -> {
          df.createOrReplaceTempView("staff");
          return spark.sql("SELECT dept, max(salary) AS top FROM staff GROUP BY dept");
        });
        step("sql_create_view", true, () -> {
          spark.sql("CREATE OR REPLACE TEMPORARY VIEW rich AS SELECT name FROM staff WHERE salary > 95");
          return spark.table("rich");
        });
      }
    } finally {
      spark.stop();
    }
  }
}
