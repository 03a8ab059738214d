// A Spark Connect program written against the Go client
// (github.com/apache/spark-connect-go). It runs a fixed list of steps
// against the server given by -remote and prints one JSON object per step:
// {"step": name, "columns": [...], "rows": [[...]...]} or {"step": name,
// "error": text}. tests/client/test_go_client.py runs it against Ember and
// compares with its output against real Spark (recorded, never hand-written).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"

	"github.com/apache/spark-connect-go/spark/sql"
	"github.com/apache/spark-connect-go/spark/sql/column"
	"github.com/apache/spark-connect-go/spark/sql/functions"
	"github.com/apache/spark-connect-go/spark/sql/types"
)

type result struct {
	Step    string     `json:"step"`
	Columns []string   `json:"columns,omitempty"`
	Rows    [][]string `json:"rows,omitempty"`
	Error   string     `json:"error,omitempty"`
}

func emit(r result) {
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
}

// rowsOf collects a DataFrame into printable rows (values with their Go type).
func rowsOf(ctx context.Context, step string, df sql.DataFrame, sorted bool) {
	cols, err := df.Columns(ctx)
	if err != nil {
		emit(result{Step: step, Error: err.Error()})
		return
	}
	rows, err := df.Collect(ctx)
	if err != nil {
		emit(result{Step: step, Error: err.Error()})
		return
	}
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		vals := make([]string, 0, r.Len())
		for _, v := range r.Values() {
			vals = append(vals, fmt.Sprintf("%T:%v", v, v))
		}
		out = append(out, vals)
	}
	if sorted {
		sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	}
	emit(result{Step: step, Columns: cols, Rows: out})
}

func main() {
	remote := flag.String("remote", "sc://localhost:15002", "Spark Connect server")
	withSQL := flag.Bool("sql", true, "also run the steps that use SQL text")
	flag.Parse()
	ctx := context.Background()
	spark, err := sql.NewSessionBuilder().Remote(*remote).Build(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(2)
	}
	defer spark.Stop()

	schema := types.StructOf(
		types.NewStructField("name", types.STRING),
		types.NewStructField("dept", types.STRING),
		types.NewStructField("salary", types.LONG),
	)
	data := [][]any{
		{"ann", "eng", 120}, {"bob", "eng", 100}, {"cid", "ops", 90},
		{"dan", "ops", nil}, {"eve", "hr", 70},
	}
	df, err := spark.CreateDataFrame(ctx, data, schema)
	if err != nil {
		emit(result{Step: "create", Error: err.Error()})
		os.Exit(1)
	}
	rowsOf(ctx, "create", df, false)

	if f, err := df.Filter(ctx, functions.Col("salary").Gt(functions.Int64Lit(95))); err == nil {
		rowsOf(ctx, "filter", f, true)
	} else {
		emit(result{Step: "filter", Error: err.Error()})
	}

	if g, err := df.GroupBy(functions.Col("dept")).Agg(ctx,
		functions.Count(functions.Col("name")).Alias("n"),
		functions.Sum(functions.Col("salary")).Alias("total")); err == nil {
		rowsOf(ctx, "group_by", g, true)
	} else {
		emit(result{Step: "group_by", Error: err.Error()})
	}

	if o, err := df.OrderBy(ctx, functions.Col("salary").Desc(), functions.Col("name").Asc()); err == nil {
		rowsOf(ctx, "order_by", o, false)
	} else {
		emit(result{Step: "order_by", Error: err.Error()})
	}

	if w, err := df.WithColumn(ctx, "up", functions.Upper(functions.Col("name"))); err == nil {
		if s, err := w.Select(ctx, column.OfDF(w, "up"), functions.Col("salary").Mul(functions.Int64Lit(2)).Alias("x")); err == nil {
			rowsOf(ctx, "with_column_select", s, true)
		} else {
			emit(result{Step: "with_column_select", Error: err.Error()})
		}
	} else {
		emit(result{Step: "with_column_select", Error: err.Error()})
	}

	if n, err := df.Count(ctx); err == nil {
		emit(result{Step: "count", Rows: [][]string{{fmt.Sprintf("%T:%v", n, n)}}})
	} else {
		emit(result{Step: "count", Error: err.Error()})
	}

	if !*withSQL {
		return
	}
	// SQL: a temp view created by SQL, read back with the DataFrame API.
	if err := df.CreateOrReplaceTempView(ctx, "staff"); err != nil {
		emit(result{Step: "sql_view", Error: err.Error()})
		return
	}
	if q, err := spark.Sql(ctx, "SELECT dept, max(salary) AS top FROM staff GROUP BY dept"); err == nil {
		rowsOf(ctx, "sql_query", q, true)
	} else {
		emit(result{Step: "sql_query", Error: err.Error()})
	}
	if _, err := spark.Sql(ctx, "CREATE OR REPLACE TEMPORARY VIEW rich AS SELECT name FROM staff WHERE salary > 95"); err != nil {
		emit(result{Step: "sql_create_view", Error: err.Error()})
	} else if t, err := spark.Table("rich"); err == nil {
		rowsOf(ctx, "sql_create_view", t, true)
	} else {
		emit(result{Step: "sql_create_view", Error: err.Error()})
	}

	// A persistent table created and filled with SQL, read with the
	// DataFrame API, then dropped.
	sqlTable(ctx, spark)
}

// sqlTable runs the table steps: CREATE TABLE ... AS, INSERT INTO, then
// spark.Table + Filter + collect.
func sqlTable(ctx context.Context, spark sql.SparkSession) {
	for _, stmt := range []string{
		"DROP TABLE IF EXISTS go_client_staff",
		"CREATE TABLE go_client_staff USING parquet AS SELECT name, dept, salary FROM staff",
		"INSERT INTO go_client_staff VALUES ('fay', 'hr', 80)",
	} {
		if _, err := spark.Sql(ctx, stmt); err != nil {
			emit(result{Step: "sql_create_table", Error: err.Error()})
			return
		}
	}
	t, err := spark.Table("go_client_staff")
	if err == nil {
		var f sql.DataFrame
		if f, err = t.Filter(ctx, functions.Col("salary").Lt(functions.Int64Lit(100))); err == nil {
			rowsOf(ctx, "sql_create_table", f, true)
		}
	}
	if err != nil {
		emit(result{Step: "sql_create_table", Error: err.Error()})
	}
	if _, err := spark.Sql(ctx, "DROP TABLE go_client_staff"); err != nil {
		emit(result{Step: "sql_drop_table", Error: err.Error()})
	}
}
