"""What can be said about runs: curvature and stable steps (``curvature``), where a run ended
(``metrics``), one step written out (``step``), mini-batch noise (``noise``), learning-rate sweeps
(``sweeps``) and what the network page draws of a training run (``network``)."""
