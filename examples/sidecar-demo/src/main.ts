/** The sidecar demo (work in progress: see issue 7). */
process.stdout.write("sidecar demo: not built yet\n");
