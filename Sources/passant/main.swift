print("passant")
