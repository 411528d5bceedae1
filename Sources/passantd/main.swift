print("passantd")
