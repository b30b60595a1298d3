// Every rxtrace command is a Hardhat task in the rx: namespace (nothing clashes with the toolbox's own
// tasks such as `verify`). Each one is a thin entry point over src/commands.
import "./deploy";
import "./admin";
import "./manufacturer";
import "./custody";
import "./exceptions";
import "./safety";
import "./dispense";
import "./verify";
import "./qr";
import "./signed";
import "./cases";
import "./vrs";
import "./watch";
import "./epcis";
import "./settlement";
import "./recovery";
import "./migrate";
