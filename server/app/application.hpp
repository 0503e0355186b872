// Composition root: parses configuration, builds the store, ingest service and listeners,
// runs the io_context until SIGINT/SIGTERM. The only place that names concrete adapters.
#pragma once

namespace mailjar::app {

int run_main(int argc, char** argv);

}  // namespace mailjar::app
