// mailjar entry point: parse the configuration, wire the application, run until signalled.
#include "app/application.hpp"

int main(int argc, char** argv) { return mailjar::app::run_main(argc, argv); }
