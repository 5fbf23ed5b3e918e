"""How the weights move: Adam as one fused update per variable (`fused_adam`), and the moving
average of D's weights (`averaging`)."""
