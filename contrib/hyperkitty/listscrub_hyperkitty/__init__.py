"""listscrub_hyperkitty: lets listscrub read and change a HyperKitty archive
through HyperKitty's own models (see contrib/hyperkitty/README)."""
