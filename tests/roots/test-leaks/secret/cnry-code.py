print("CNRY-LITINC-16")
