print("passant-sim")
