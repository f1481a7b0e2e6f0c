"""nf_bench's Python tools as one package: schema (what nf_bench writes,
loaded from benchmarks/schema.json), load (its result files), stats (the
fits and summaries), model (the analysis report and plot share), report,
plot, gate and calibrate. The scripts in tools/ are their command lines."""
