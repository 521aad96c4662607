"""The SMKI test PKI: certificate authorities, organisation and device credentials."""
