/** The registry round trip (work in progress: see issue 5). */
process.stdout.write("registry round trip: not built yet\n");
