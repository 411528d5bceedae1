// Byte sources: serial ports through libserialport, pseudo-terminals through termios, TCP.
