import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{C as o,n as t,s as e,t as m}from"./chunk-BE7LCEBR.js";var r=class extends t(e,m,"ListObjectsV2",o){};export{r as a};
