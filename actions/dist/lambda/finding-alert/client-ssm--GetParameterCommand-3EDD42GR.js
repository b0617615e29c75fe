import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{b as t,d as e}from"./chunk-DGPC25BH.js";import{l as m,t as r}from"./chunk-5474FCTX.js";import"./chunk-ATGGAIYH.js";import"./chunk-ODJJHHNC.js";var n=m(t,"AmazonSSM","SSMClient",r),p={},a=(i,c,s,f)=>[];var o=class extends n(p,a,"GetParameter",e){};export{o as GetParameterCommand};
