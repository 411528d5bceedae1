// The firmware's entry point, called by the startup code (Board/Runtime.c) after RAM is set up.

import PCNT

@_cdecl("firmware_main")
public func firmwareMain() {
    board_init()
    var node = Node()
    var commands = CommandDecoder()
    node.boot()
    while true {
        board_poll()
        node.service(commands: &commands)
        board_idle()
    }
}
