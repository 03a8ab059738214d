// A Spark Connect program written against Spark's JVM client that uploads a
// WebAssembly module and calls its functions (Ember only: Spark has no WASM
// UDFs). Arguments: the server URL and the path of the C SDK's example
// module (udfs.wasm). It prints one JSON object per step, {"step", "rows"}
// or {"step", "error"}; tests/client/test_wasm_jvm.py checks them.

import static org.apache.spark.sql.functions.callUDF;
import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

public final class EmberWasmClient {
  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  private static void step(String name, Supplier<Dataset<Row>> f) {
    try {
      List<String> rows = new ArrayList<>();
      for (Row r : f.get().collectAsList()) {
        List<String> vals = new ArrayList<>();
        for (int i = 0; i < r.length(); i++) vals.add(r.get(i) == null ? "null" : quote(r.get(i).toString()));
        rows.add("[" + String.join(",", vals) + "]");
      }
      System.out.println("{\"step\":" + quote(name) + ",\"rows\":[" + String.join(",", rows) + "]}");
    } catch (Exception e) {
      System.out.println("{\"step\":" + quote(name) + ",\"error\":" + quote(String.valueOf(e.getMessage())) + "}");
    }
  }

  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSession.builder().remote(args[0]).getOrCreate();
    String module = args[1];
    try {
      // The JVM client uploads only artifacts it recognises by extension
      // (.jar under jars/, .class under classes/), so the module travels as
      // a .jar-named artifact and is named by its stored path.
      spark.addArtifact(module, "udfs_wasm.jar");
      spark.udf().registerJava("jnorm", "wasm:jars/udfs_wasm.jar#norm", DataTypes.StringType);
      spark.udf().registerJava("jadd_or", "wasm:jars/udfs_wasm.jar#add_or", DataTypes.LongType);
      System.out.println("{\"step\":\"register\",\"rows\":[]}");
    } catch (Exception e) {
      System.out.println("{\"step\":\"register\",\"error\":" + quote(String.valueOf(e.getMessage())) + "}");
    }
    step("call_function", () -> spark.range(5).select(
        call_function("jnorm", when(col("id").gt(1).and(col("id").lt(3)), lit(null))
            .otherwise(lit("  Hello   JVM  ")))));
    step("callUDF", () -> spark.range(4).select(col("id"),
        callUDF("jadd_or", col("id"), when(col("id").mod(2).gt(0), col("id").multiply(10)))));
    step("count", () -> spark.range(100000).filter(call_function("jadd_or", col("id"), lit(1)).gt(50000))
        .groupBy().count());
    spark.close();
  }
}
