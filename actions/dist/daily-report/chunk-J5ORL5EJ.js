import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{n as t,r as e,s as m,z as o}from"./chunk-AI2ETBU5.js";var r=class extends t(e,m,"ListObjectsV2",o){};export{r as a};
